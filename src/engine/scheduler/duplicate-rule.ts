import { FINISHED_STATES } from '../../shared/protocol/model.ts'
import type { DownloadRecord } from '../model/download-record.ts'
import type { PreparedRequest } from './build-record.ts'
import type { DuplicateIndex } from './duplicate-index.ts'

/**
 * The download an add request is refused for, if any. `skip` (the default) refuses any download
 * with the same key; `again` only one still to be finished (queued, running, paused, retrying):
 * it will write that very file, and a second download of it would only race it. A completed,
 * failed or removed one is history: the new download is added beside it (aria2's `addUri`), and
 * its name is still taken, so the new file is `name (1)`, never the old one overwritten.
 */
export function duplicateOf(index: DuplicateIndex, prepared: PreparedRequest): string | undefined {
  return prepared.request.onDuplicate === 'again'
    ? index.find(prepared.key, undefined, unfinished)
    : index.find(prepared.key)
}

function unfinished(record: DownloadRecord): boolean {
  return !FINISHED_STATES.has(record.state)
}

/** The refusal's words: which download holds the URL, and why that is a refusal. */
export function duplicateMessage(other: DownloadRecord, prepared: PreparedRequest): string {
  const where = `"${other.name}" (${other.state}) in ${other.dir}`
  return prepared.request.onDuplicate === 'again'
    ? `already being downloaded as ${where}: it would write the same file`
    : `already in the queue as ${where}`
}
