import { lstat, rename, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { DownpourError } from '../../shared/protocol/errors.ts'
import type { LogLevel } from '../../shared/protocol/details.ts'
import { redactUrl } from '../../shared/protocol/url.ts'
import { pickUniqueName } from '../naming/unique-name.ts'
import type { DownloadRecord } from '../model/download-record.ts'
import { totalBytes } from '../segments/byte-ranges.ts'
import { syncDirectory } from '../storage/atomic-file.ts'
import { controlPathFor, removeControlFile, writeControlFile } from '../storage/control-file.ts'
import { diskError } from '../storage/disk-error.ts'
import type { PartFile } from '../storage/part-file.ts'
import { placeFinishedFile, withRetries } from '../storage/publish-file.ts'
import { unsafePath } from '../storage/safe-open.ts'

/**
 * Gives a complete, verified part its final name in `record.dir` (see placeFinishedFile: never
 * over a file that appeared meanwhile; then the next free ` (n)` name, and `record.name`
 * changes to it), closes it and deletes its control file. The part stays open until its new
 * name is in place.
 *
 * A failure is a disk error about a finished file: the rename is tried again a few times,
 * never by fetching the file again. If it still fails, the part is left whole with a control
 * file listing every byte (also when the server cannot resume: the file needs no server any
 * more), so that a retry finds it complete and only renames; the error says so. A control file
 * that cannot be deleted after the rename is only a warning: the download is complete.
 */
export async function placeDownload(
  part: PartFile,
  record: DownloadRecord,
  options: {
    reserved: Set<string>
    controlWritten: boolean
    log(level: LogLevel, message: string): void
    /** Journals the record now (see TransferContext.journal); throws when it cannot. */
    journal(): void
    /**
     * Replace a file at the name (IfExists 'overwrite', 'continue'): one rename, atomic — a
     * kill leaves the old file or the new one, never neither.
     */
    replace?: boolean
  },
): Promise<void> {
  const { reserved, log } = options
  const leftover = (error: Error): void =>
    log('warn', `the file is complete, but its old name could not be removed (${error.message})`)
  let name = record.name
  let finalPath = join(record.dir, name)
  try {
    if (options.replace) await withRetries(() => rename(part.path, finalPath))
    else
      while ((await placeFinishedFile(part.path, finalPath, leftover)) === 'exists') {
        // Something outside the engine created a file of that name meanwhile: never overwrite it.
        if (name !== record.name) reserved.delete(finalPath)
        name = await pickUniqueName(record.dir, name, reserved, async () => false)
        finalPath = join(record.dir, name)
        reserved.add(finalPath)
        // The new name reaches the journal before the file gets it: a crash after the link
        // finds a record naming its file. (Its `.part` keeps the old name until the unlink.)
        journalName(record, name, options.journal)
      }
  } catch (caught) {
    if (name !== record.name) reserved.delete(finalPath)
    const error = diskError(caught, `cannot rename ${part.path}`, record.dir)
    await recordComplete(part, record).catch((failure: Error) =>
      log('warn', `could not record the finished file (${failure.message})`),
    )
    throw new DownpourError(
      error.code,
      `the download is complete but could not be given its name: ${error.message}; retry to rename it (nothing is downloaded again)`,
      { cause: caught },
    )
  }
  await refuseForeignFinal(part, finalPath)
  if (name !== record.name) {
    reserved.delete(join(record.dir, record.name))
    record.name = name
  }
  await part.close()
  if (options.controlWritten) {
    const control = controlPathFor(part.path)
    await withRetries(() => removeControlFile(control)).catch((error: Error) =>
      log('warn', `could not delete ${control} (${error.message}); it can be deleted`),
    )
    await syncDirectory(record.dir)
  }
}

/** Journals `record` as named `name` (the transfer's paths follow record.name: only for the call). */
function journalName(record: DownloadRecord, name: string, journal: () => void): void {
  const before = record.name
  record.name = name
  try {
    journal()
  } finally {
    record.name = before
  }
}

/**
 * The final name must be the part's own inode: link(2) does not follow a symlink, so one swapped
 * in at the `.part` name after the last check would be what got published (a name leading
 * outside the folder). Such a link is removed (it is only a link; whatever it points at is
 * untouched) and the download fails saying why.
 */
async function refuseForeignFinal(part: PartFile, finalPath: string): Promise<void> {
  if (part.isAt(finalPath)) return
  const info = await lstat(finalPath).catch(() => null)
  if (info?.isSymbolicLink()) await unlink(finalPath).catch(() => {})
  throw unsafePath(
    part.path,
    'was replaced by a symbolic link or another file while it was published',
  )
}

/** A control file saying every byte of the part is durable (after an fdatasync). */
async function recordComplete(part: PartFile, record: DownloadRecord): Promise<void> {
  const durable = await part.sync()
  await writeControlFile(controlPathFor(part.path), {
    version: 1,
    url: redactUrl(record.url),
    size: record.size ?? totalBytes(durable),
    etag: record.etag,
    lastModified: record.lastModified,
    durable,
    savedAt: Date.now(),
  })
}
