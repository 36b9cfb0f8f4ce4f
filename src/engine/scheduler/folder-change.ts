import { join } from 'node:path'
import type { UpdateResult } from '../../shared/protocol/api.ts'
import { DownpourError, ERROR_CODES } from '../../shared/protocol/errors.ts'
import { FINISHED_STATES } from '../../shared/protocol/model.ts'
import type { DownloadSnapshot } from '../../shared/protocol/model.ts'
import type { DownloadHistory } from '../details/download-history.ts'
import type { DownloadRecord } from '../model/download-record.ts'
import { checkChosenFolder } from '../storage/chosen-folder.ts'
import { CONTROL_SUFFIX, PART_SUFFIX } from '../storage/control-file.ts'
import { fileExists, lookAt } from '../storage/file-exists.ts'
import type { QueueStore } from '../storage/queue-store.ts'
import type { ChangePublisher } from './change-publisher.ts'
import type { DownloadPump } from './download-pump.ts'
import type { DownloadTable } from './download-table.ts'
import { urlKeyOf } from './duplicate-index.ts'
import type { EventBatch } from './event-batch.ts'
import type { TransferRuns } from './transfer-runs.ts'

export type FolderChangeParts = {
  table: DownloadTable
  store: QueueStore | null
  runs: TransferRuns
  pump: DownloadPump
  publisher: ChangePublisher
  batch: EventBatch
  history: DownloadHistory
  snapshotOf(record: DownloadRecord): DownloadSnapshot
}

/** States in which nothing is writing a download's file: its folder may change. */
const MOVABLE: ReadonlySet<string> = new Set(['queued', 'paused', 'failed'])

/**
 * "Choose another folder…" (issue 25): downloads that are not running get a new folder — for a
 * folder that went away (`DP_ERR_FOLDER_GONE`) above all. The folder is checked once for the
 * whole call (checkChosenFolder: absolute, there, a folder, no planted link); each download is
 * then accepted or refused with its reason, like `update`. One journal line per download (the
 * whole record: a kill leaves either the old folder or the new, never a mix), flushed before
 * the answer, and one `download/changed` for them all.
 *
 * Partial data is never moved: a download whose old folder is gone has none left (it starts
 * over in the new folder), one that never named its file has none; one whose `.part` is still
 * in a folder that is still there is refused — resume it there, or remove it with its partial
 * data and add it again. Moving a `.part` would be a copy across disks for most folder changes
 * (a crash-safe copy, fsync and rename of up to the whole file) for a case that does not need
 * it: the folder is there, so the download can finish where it is.
 */
export async function changeFolder(
  p: FolderChangeParts,
  ids: readonly string[],
  dir: string,
): Promise<UpdateResult> {
  const folder = checkChosenFolder(dir)
  const { table, runs } = p
  // A download announces `failed` before its transfer has ended (its last bytes made durable):
  // let that finish, or its `.part` could still be written after the folder changed.
  await Promise.all(
    ids.map((id) => {
      const record = table.get(id)
      return record?.state === 'failed' ? runs.running.get(id)?.run() : undefined
    }),
  )
  const result: UpdateResult = { updated: [], rejected: [] }
  await p.batch.run(() => {
    ids.forEach((id, index) => {
      try {
        const record = table.require(id)
        refuseUnmovable(table, record, folder, runs.running.has(id))
        if (record.dir !== folder) move(p, record, folder)
        else if (record.state === 'failed') requeue(p, record)
        result.updated.push(p.snapshotOf(record))
      } catch (error) {
        const engineError =
          error instanceof DownpourError
            ? error
            : new DownpourError(ERROR_CODES.internal, String(error))
        result.rejected.push({ index, id, error: engineError.toJSON() })
      }
    })
  })
  await p.store?.flush()
  p.pump.pump()
  return result
}

function refuseUnmovable(
  table: DownloadTable,
  record: DownloadRecord,
  folder: string,
  running: boolean,
): void {
  const name = `"${record.name}"`
  if (record.state === 'completed')
    throw invalidState(`${name} is completed: its file is in ${record.dir}`)
  if (!MOVABLE.has(record.state) || running)
    throw invalidState(`${name} is ${record.state}: pause it first, then choose its folder`)
  if (record.dir !== folder && hasPartialData(record))
    throw invalidState(
      `${name} has its partial data in ${record.dir}, which is still there; it is not moved: ` +
        `resume it there, or remove it with its partial data and add it again into ${folder}`,
    )
  // Another download still to be finished of the same URL and name in the new folder would
  // race this one for its file (the rule of add's `again`, duplicate-rule.ts).
  const key = { urlKey: urlKeyOf(record.url), dir: folder, requestedName: record.requestedName }
  const otherId = table.duplicates.find(key, record.id, (r) => !FINISHED_STATES.has(r.state))
  const other = otherId === undefined ? undefined : table.get(otherId)
  if (other !== undefined)
    throw new DownpourError(
      ERROR_CODES.duplicate,
      `${folder} already has this URL being downloaded as "${other.name}" (${other.state}): ` +
        'it would write the same file',
    )
}

/** Its `.part` or control file is in its folder (and the folder is there). */
function hasPartialData(record: DownloadRecord): boolean {
  if (!record.nameChosen || !fileExists(record.dir)) return false
  const part = join(record.dir, record.name + PART_SUFFIX)
  return lookAt(part) !== null || lookAt(part + CONTROL_SUFFIX) !== null
}

function move(p: FolderChangeParts, record: DownloadRecord, folder: string): void {
  const { table } = p
  const from = record.dir
  const lost = record.done
  // The duplicate index and the name's reservation hold the record under its folder: out
  // before it changes, back in after. The name is claimed again in the new folder (its own
  // ` (1)` if taken there) when the download starts.
  table.duplicates.delete(record)
  if (record.nameChosen) table.reservedPaths.delete(join(from, record.name))
  record.dir = folder
  record.nameChosen = false
  record.done = 0
  if (record.requestedName !== null) record.name = record.requestedName
  table.duplicates.add(record)
  if (record.state === 'failed') requeue(p, record)
  else p.publisher.changed(record)
  p.history.note(
    record.id,
    'info',
    `folder changed from ${from} to ${folder}` +
      (lost > 0 ? ` (the ${lost} bytes saved in the old folder went with it: starts over)` : ''),
  )
}

/**
 * A failed download waits again: the folder chosen is the fix it waited for (also the same
 * folder, made again by the person: choosing it is their retry).
 */
function requeue(p: FolderChangeParts, record: DownloadRecord): void {
  record.error = null
  record.failuresInARow = 0
  record.nextRetryAt = null
  p.publisher.setState(record, 'queued')
}

function invalidState(message: string): DownpourError {
  return new DownpourError(ERROR_CODES.invalidState, message)
}
