import { join } from 'node:path'
import { ERROR_CODES } from '../../shared/protocol/errors.ts'
import { ACTIVE_STATES } from '../../shared/protocol/model.ts'
import { NO_HEADERS, type DownloadRecord } from '../model/download-record.ts'
import { controlPathFor, PART_SUFFIX, removeControlFile } from '../storage/control-file.ts'
import type { LoadResult } from '../storage/queue-load.ts'
import type { QueueStore } from '../storage/queue-store.ts'
import { removeStaleTemps } from '../storage/stale-temps.ts'
import type { ChangePublisher } from './change-publisher.ts'
import type { DownloadPump } from './download-pump.ts'
import type { DownloadTable } from './download-table.ts'
import { finishedOnDisk } from './recover-finished.ts'
import type { SettingsHolder } from './settings-holder.ts'
import type { TransferRuns } from './transfer-runs.ts'

export type RestoreParts = {
  table: DownloadTable
  publisher: ChangePublisher
  store: QueueStore
  pump: DownloadPump
  runs: TransferRuns
  config: SettingsHolder
}

/**
 * The queue file read at start-up takes its place: its settings (the host's overrides still
 * win), its records in their order, waiting again where they were running. A download the
 * file still calls running but whose final file is complete on disk (kill -9 between the
 * final rename and the queue save) is completed, not fetched again.
 */
export async function restoreQueue(loaded: LoadResult, p: RestoreParts): Promise<void> {
  const { table, publisher, store } = p
  for (const problem of loaded.problems) {
    publisher.log(
      'error',
      null,
      `the queue file ${problem.file} was unreadable (${problem.problem}); it was set aside as ${problem.movedTo}`,
      { code: ERROR_CODES.corruptState, message: problem.problem },
    )
  }
  p.config.restore(loaded.queue.settings)
  const wasRunning: DownloadRecord[] = []
  // The store's Map becomes the scheduler's (nothing was added before open).
  const adopted = table.adopt(loaded.records)
  for (const record of loaded.queue.downloads) {
    if (ACTIVE_STATES.has(record.state) || record.state === 'retrying') {
      wasRunning.push(record)
      record.state = 'queued'
    }
    record.nextRetryAt = null
    if (record.headers !== NO_HEADERS && Object.keys(record.headers).length === 0)
      record.headers = NO_HEADERS
    table.insert(record, adopted)
    publisher.loaded(record)
  }
  for (const record of wasRunning) {
    if (!(await finishedOnDisk(record))) continue
    record.state = 'completed'
    record.done = record.size ?? record.done
    record.error = null
    record.completedAt ??= Date.now()
    table.places.announce(record.id, 'completed')
    store.put(record)
    publisher.log('info', record.id, `${record.name}: found complete on disk`)
    p.runs.markOrigin(record)
    // A kill between the part's unlink and its control file's removal leaves the latter.
    const control = controlPathFor(join(record.dir, record.name) + PART_SUFFIX)
    await removeControlFile(control).catch((error: Error) =>
      publisher.log('warn', record.id, `could not delete ${control} (${error.message})`),
    )
  }
  for (const record of loaded.queue.downloads) p.pump.enqueue(record)
  if (store.wantsCompaction) void store.compact()
  // Temp files a crash inside an atomic write left beside the parts of unfinished downloads.
  const dirs = new Set(wasRunning.filter((r) => r.nameChosen).map((r) => r.dir))
  void removeStaleTemps([...dirs]).catch(() => {})
}
