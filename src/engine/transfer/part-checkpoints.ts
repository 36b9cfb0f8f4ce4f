import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { DownpourError, ERROR_CODES } from '../../shared/protocol/errors.ts'
import { redactUrl } from '../../shared/protocol/url.ts'
import { hashFile } from '../checksum/hash-file.ts'
import { totalBytes, type ByteRange } from '../segments/byte-ranges.ts'
import {
  controlPathFor,
  PART_SUFFIX,
  readControlFile,
  removeControlFile,
  writeControlFile,
} from '../storage/control-file.ts'
import { diskError } from '../storage/disk-error.ts'
import { fileExists } from '../storage/file-exists.ts'
import { PartFile } from '../storage/part-file.ts'
import { finishPublishing } from '../storage/publish-file.ts'
import { placeDownload } from './place-download.ts'
import { rangesOnDisk } from './ranges-on-disk.ts'
import {
  markCompleted,
  pathsOf,
  readDone,
  setDone,
  setState,
  type TransferState,
} from './transfer-state.ts'

/*
 * The durability rules of a download, in one place. What is on disk at any moment, and what a
 * kill -9 between two system calls leaves:
 *
 * - `<name>.part` holds bytes at their offsets; `<name>.part.downpour` (the control file, written
 *   atomically: temp file, fsync, rename) lists the ranges that were durable when it was
 *   written. A control file is only ever written after an fdatasync of the part, so every range
 *   it lists is on disk: a kill loses at most what arrived since the last checkpoint
 *   (CHECKPOINT_MS), never trusts a byte that is not there (loadResumeState also checks the
 *   part's length against it).
 * - A short download (under one interval) gets neither fsync nor control file: a kill re-fetches
 *   it from zero, which costs less than the fsync would (as curl). A stop always checkpoints.
 *   Files of EARLY_CONTROL_BYTES or more get a control file listing nothing with their `.part`.
 * - On a full disk the control file is rewritten in place (writeControlFile): a kill leaves the
 *   old text or the new, power loss may tear it, which reads as nothing durable (start over).
 *   The stop first has every writer fsync what the OS took of its writes (each worker thread in
 *   its close-file, then this thread): a kill before the control file's rewrite leaves the one
 *   of the last checkpoint, which lists fewer bytes than the part holds (fetched again), never
 *   more; the ranges it then lists were all fsynced before it was written.
 * - Starting over (restartFromZero) empties the part and deletes the control file after every
 *   checkpoint in flight has ended: a later checkpoint of the old bytes cannot land after it
 *   (the generation counter).
 * - Publishing (finishPart): fsync, check the part is still the file at its path, journal the
 *   name and size, verify the checksum, then link the final name and unlink the `.part`
 *   (placeDownload). A kill between the link and the unlink leaves both names on one inode:
 *   finishPublishing, on the next run, sees that and completes the publish instead of opening
 *   the final file for writing.
 */

/** fsync + control file every this often while bytes flow (a crash re-fetches at most this much). */
export const CHECKPOINT_MS = 1000

/**
 * A download at least this large gets its control file (no ranges yet) when its `.part` is
 * made, while the disk has room: should the disk fill up before the first checkpoint, the
 * stop's checkpoint can then rewrite it in place (writeControlFile) instead of finding no
 * block for a new one and losing every byte. Smaller files skip it (W2: thousands of small
 * files pay no extra file); losing one of them re-fetches at most this much.
 */
export const EARLY_CONTROL_BYTES = 8 * 1024 * 1024

/**
 * Writes the first control file of a fresh `.part` (see EARLY_CONTROL_BYTES). It lists no
 * ranges, so whatever a crash leaves of it claims nothing; the publish deletes it as any.
 */
export async function reserveControlFile(s: TransferState): Promise<void> {
  const rec = s.record
  if (s.controlWritten || !s.part || rec.resumable === false) return
  if (rec.size === null || rec.size < EARLY_CONTROL_BYTES) return
  await writeControl(s, rec.size, [])
}

/** Records `durable` (already fdatasync'ed) as the `.part`'s control file. */
async function writeControl(s: TransferState, size: number, durable: ByteRange[]): Promise<void> {
  const rec = s.record
  await writeControlFile(controlPathFor(pathsOf(s).part), {
    version: 1,
    id: rec.id,
    url: redactUrl(rec.url),
    size,
    etag: rec.etag,
    lastModified: rec.lastModified,
    durable,
    savedAt: Date.now(),
  })
  s.controlWritten = true
}

/**
 * A `.part` that another program deleted or replaced while this download wrote it (R10):
 * retryable, and the retry starts from zero. Detected before the checksum and the rename (a
 * finished download is never named after bytes that are not in its file).
 */
export class PartGoneError extends DownpourError {
  constructor(partPath: string) {
    super(
      ERROR_CODES.disk,
      `${partPath} was deleted or replaced by another program before it was finished; downloading it again from the start`,
      { retryable: true },
    )
  }
}

/**
 * Reads what an earlier run left on disk (nothing before its name is chosen): the control
 * file's durable ranges; or 'published' when a crash cut the publish short after its link (the
 * `.part` is the final file: see finishPublishing), which must never be opened for writing.
 */
export async function loadResumeState(s: TransferState): Promise<'published' | void> {
  const { record: rec, ctx } = s
  if (!rec.nameChosen) {
    setDone(s, 0)
    return
  }
  const { part: partPath, final: finalPath } = pathsOf(s)
  ctx.reservedPaths.add(finalPath)
  // The folder is checked again (once per engine): a link planted in place of it while the
  // download was paused must not take its part file elsewhere.
  await ctx.ensureDir(rec.dir)
  const published = await finishPublishing(partPath, finalPath).catch((error: unknown) => {
    throw diskError(error, `cannot look at ${partPath}`, rec.dir)
  })
  if (published !== null) {
    rec.size = published
    await removeControlFile(controlPathFor(partPath)).catch((error: Error) =>
      ctx.log('warn', `could not delete the control file (${error.message})`),
    )
    return 'published'
  }
  const { data, problem } = await readControlFile(controlPathFor(partPath))
  if (problem) ctx.log('warn', `${problem}; starting this file over`)
  const usable = data && data.url === redactUrl(rec.url) && fileExists(partPath)
  if (usable && data.durable.length > 0) {
    s.part = await PartFile.open(partPath, 'resume')
    // The control file says what was durable; the part file says what is still there (it may
    // have been cut short since, by a person, a tool or a file system): trust only both.
    const { ranges, length } = await rangesOnDisk(s.part, data.durable)
    if (totalBytes(ranges) < totalBytes(data.durable)) {
      ctx.log(
        'warn',
        `the part file is shorter than its record (${length} of ${totalBytes(data.durable)} bytes); fetching the rest again`,
      )
    }
    s.part.markWritten(ranges)
    s.controlWritten = true
    rec.size ??= data.size
    rec.etag ??= data.etag
    rec.lastModified ??= data.lastModified
    setDone(s, totalBytes(ranges))
  } else {
    setDone(s, 0)
  }
}

export function startCheckpoints(s: TransferState): void {
  s.checkpointTimer ??= setInterval(() => {
    if (s.checkpointing) return
    // A tick comes a full interval after bytes began to flow: it checkpoints, without asking
    // the wall clock again. (Date.now() against the timers' monotonic, loop-cached clock could
    // find 999 ms at the first tick and skip it: nothing durable until 2 s, and a kill -9 at
    // 2 s into a slow download lost all of it.)
    s.checkpointing = checkpoint(s, { due: true })
      .catch((error: unknown) =>
        s.ctx.log('warn', `checkpoint failed: ${(error as Error).message}`),
      )
      .finally(() => {
        s.checkpointing = null
      })
  }, CHECKPOINT_MS)
  s.checkpointTimer.unref()
}

export function stopCheckpoints(s: TransferState): void {
  if (s.checkpointTimer) clearInterval(s.checkpointTimer)
  s.checkpointTimer = null
}

/**
 * fsync the data, then record what is durable in the control file. Short-lived downloads get
 * no control file (and no fsync) until they have lived one checkpoint interval — unless they
 * are being stopped, which always leaves a resumable state behind.
 */
export async function checkpoint(
  s: TransferState,
  when: { stopping?: boolean; due?: boolean } = {},
): Promise<void> {
  const part = s.part
  const rec = s.record
  if (!part || !rec.nameChosen) return
  if (!when.stopping && !when.due && performance.now() - s.startedAt < CHECKPOINT_MS) return
  if (rec.resumable === false || rec.size === null) {
    await part.flush()
    return
  }
  // Worker threads' writes first (flushed to the OS), then one fdatasync covers the inode.
  const pool = s.ctx.shared.pool
  if (pool) part.markWritten(await pool.flush(part.path, false))
  const generation = s.generation
  // A stop after a failed write (the disk filled up) still records what the OS took before:
  // the rerun then fetches only the rest, not everything since the last checkpoint.
  const durable: ByteRange[] = await part.sync().catch((error: unknown) => {
    if (!when.stopping || !part.failed) throw error
    return part.syncTaken()
  })
  if (generation !== s.generation || part !== s.part) return
  if (durable.length === 0 && !s.controlWritten) return
  // A control file beside a `.part` another program deleted would describe bytes no file has.
  if (!part.stillAtPath()) return
  await writeControl(s, rec.size, durable)
}

/**
 * Forgets every byte: the part emptied, its control file deleted, size and validators unknown
 * until the next answer. Checkpoints in flight end first, so none writes the old ranges after.
 */
export async function restartFromZero(s: TransferState): Promise<void> {
  const rec = s.record
  const partPath = pathsOf(s).part
  s.generation++
  await s.checkpointing
  await s.ctx.shared.pool?.closeFile(partPath)
  // A timer checkpoint may have started during that round trip: let it end before the
  // control file goes, or it could write the old ranges after removeControlFile.
  while (s.checkpointing) await s.checkpointing
  setDone(s, 0)
  rec.size = null
  rec.etag = null
  rec.lastModified = null
  if (s.part) {
    await s.part.close()
    s.part = await PartFile.open(partPath, 'fresh')
  }
  await removeControlFile(controlPathFor(partPath))
  s.controlWritten = false
  s.ctx.changed()
}

/**
 * Every byte is in the part: makes it durable, checks it, and gives it its name (placeDownload),
 * then marks the download completed. Throws PartGoneError when the part is no longer the file
 * at its path, a checksum mismatch (the bytes forgotten: a retry fetches them again), or the
 * stop reason when stopped before publishing.
 */
export async function finishPart(s: TransferState): Promise<void> {
  const { record: rec, ctx, signal } = s
  stopCheckpoints(s)
  await s.checkpointing
  const partPath = pathsOf(s).part
  // The part stays open (and owned) until the rename: if anything below fails or the user
  // pauses, the run's cleanup checkpoints it and the next attempt finds every byte in place.
  s.part ??= await PartFile.open(partPath, 'resume')
  const part = s.part
  // Worker threads let go of the file first (their bytes durable if this one gets fsynced).
  const pool = ctx.shared.pool
  if (pool) part.markWritten(await pool.closeFile(part.path))
  // Long downloads had checkpoints; make the end durable too. Short ones cost no fsync (as curl).
  if (s.controlWritten) await part.sync()
  else await part.flush()
  if (!part.stillAtPath()) throw new PartGoneError(partPath)
  if (rec.size === null) rec.size = readDone(s)
  // The name and size reach the journal before the file gets its name (a size learnt from
  // the body's end, or a new one after a restart, would wait for the coalesced save): a
  // crash right after publishing then finds a record that proves the file complete, instead
  // of fetching it again as `name (1)`. A new download's were journaled with its name.
  if (!ctx.journaled()) ctx.journal()
  if (rec.checksum) {
    setState(s, 'verifying')
    const actual = pool
      ? await pool.hash(partPath, rec.checksum.algorithm, ctx.downloadSlot, signal)
      : await hashFile(partPath, rec.checksum.algorithm, { signal })
    if (actual !== rec.checksum.hex.toLowerCase()) {
      // These bytes are wrong: a retry must fetch them again, not trust them.
      await removeControlFile(controlPathFor(partPath))
      s.controlWritten = false
      part.forgetWritten()
      throw new DownpourError(
        ERROR_CODES.checksumMismatch,
        `${rec.checksum.algorithm} mismatch: expected ${rec.checksum.hex.toLowerCase()}, got ${actual}`,
      )
    }
  }
  if (signal.aborted) throw signal.reason
  await placeDownload(part, rec, {
    reserved: ctx.reservedPaths,
    controlWritten: s.controlWritten,
    log: (level, message) => ctx.log(level, message),
    journal: () => ctx.journal(),
    replace: rec.ifExists === 'overwrite' || rec.ifExists === 'continue',
  })
  s.part = null
  markCompleted(s)
}

/**
 * The end of a run that left its part open (failed, stopped, paused; checkpoints stopped and
 * none in flight): worker threads let go of the part, a download not completed is checkpointed
 * (a stop always leaves a resumable state), the part is closed.
 */
export async function closePart(s: TransferState): Promise<void> {
  const part = s.part!
  const pool = s.ctx.shared.pool
  // After a full disk, each worker reports what its writes put in the file (fsynced there):
  // the checkpoint below records it with this thread's bytes, and the rerun skips it all.
  if (pool) part.markWritten(await pool.closeFile(part.path, { stopping: true }).catch(() => []))
  if (s.record.state !== 'completed') await checkpoint(s, { stopping: true }).catch(() => {})
  if (s.record.state !== 'completed') readDone(s)
  await part.close()
  s.part = null
}

/** Deletes a download's `.part` and its control file (a removal with its data). */
export async function deletePartFiles(dir: string, name: string): Promise<void> {
  const part = join(dir, name + PART_SUFFIX)
  await rm(part, { force: true })
  await rm(controlPathFor(part), { force: true })
}
