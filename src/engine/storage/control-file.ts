import { close, constants, fdatasync, fstat, readFileSync, write } from 'node:fs'
import { rm } from 'node:fs/promises'
import { promisify } from 'node:util'
import * as v from 'valibot'
import { writeFileAtomic } from './atomic-file.ts'
import { openInFolder } from './safe-open.ts'
import { normalizeRanges, type ByteRange } from '../segments/byte-ranges.ts'

/**
 * The small file beside `<name>.part` that says which bytes of the part file are durable, and
 * which server version they belong to. It is only ever written after the data it describes was
 * fsynced, so after a crash it may under-report (we fetch a little again) but never over-report.
 */
export const CONTROL_SUFFIX = '.downpour'
export const PART_SUFFIX = '.part'

const controlSchema = v.object({
  version: v.literal(1),
  /** The download that owns the part (absent in files written before it was recorded). */
  id: v.optional(v.string()),
  url: v.string(),
  size: v.nullable(v.number()),
  etag: v.nullable(v.string()),
  lastModified: v.nullable(v.string()),
  durable: v.array(v.object({ start: v.number(), end: v.number() })),
  savedAt: v.number(),
})

const READ_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0)

export type ControlData = v.InferOutput<typeof controlSchema>

export function controlPathFor(partPath: string): string {
  return partPath + CONTROL_SUFFIX
}

/** Reads a control file. Missing → null. Unreadable or corrupt → null plus the reason. */
export async function readControlFile(
  path: string,
): Promise<{ data: ControlData | null; problem: string | null }> {
  let text: string
  try {
    // Not through a symlink: a planted one could make any file of the user's read as this record.
    // On this thread: a few hundred bytes, read by every resumed download before its first
    // request, where the open, read and close through the thread pool each waited for a turn
    // of a loop busy adding the rest of a rerun's list (docs/benchmarks.md, W5).
    text = readFileSync(path, { encoding: 'utf8', flag: READ_FLAGS })
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return { data: null, problem: null }
    if (code === 'ELOOP' || code === 'EMLINK')
      return { data: null, problem: `control file ${path} is a symbolic link (ignored)` }
    return { data: null, problem: `cannot read ${path}: ${(error as Error).message}` }
  }
  try {
    const parsed = v.safeParse(controlSchema, JSON.parse(text))
    if (!parsed.success)
      return { data: null, problem: `control file ${path} has an unexpected shape` }
    const data = parsed.output
    return {
      data: { ...data, durable: normalizeRanges(data.durable.filter(validRange)) },
      problem: null,
    }
  } catch {
    return { data: null, problem: `control file ${path} is not valid JSON (truncated?)` }
  }
}

function validRange(r: ByteRange): boolean {
  return (
    Number.isSafeInteger(r.start) && Number.isSafeInteger(r.end) && r.start >= 0 && r.end > r.start
  )
}

/**
 * Writes the control file atomically (temp, fsync, rename). On a full disk the temp cannot get
 * a block: the existing control file is then rewritten in place instead (rewriteInPlace), so a
 * download the disk filled up under keeps every byte its part holds, not only those of the
 * last checkpoint that found room. With no control file to rewrite, the first error stands.
 */
export async function writeControlFile(path: string, data: ControlData): Promise<void> {
  const text = JSON.stringify(data)
  try {
    await writeFileAtomic(path, text)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code !== 'ENOSPC' && code !== 'EDQUOT') throw error
    if (!(await rewriteInPlace(path, text))) throw error
  }
}

/**
 * Overwrites the control file at `path` with `text` within the blocks it already holds: one
 * pwrite at offset 0, padded with spaces to at least the old length (JSON.parse ignores trailing
 * whitespace; no stale bytes of the old text remain), then fdatasync. False when there is no
 * such file or the text would need a new block (not even tried: a short write would tear it).
 *
 * What a crash leaves: a kill cannot tear one write(2) of a few KB into the page cache (the old
 * text or the new one); power loss can, and a torn file is not valid JSON (or not of the
 * expected shape) and reads as no durable ranges: the download starts over, as it did before
 * this fallback existed. Opened as every file of the download folder (safe-open: no symlink, a
 * regular file with one link), so a planted name cannot redirect the write.
 */
async function rewriteInPlace(path: string, text: string): Promise<boolean> {
  let fd: number
  try {
    ;({ fd } = await openInFolder(path, 'update'))
  } catch {
    return false
  }
  try {
    const { size, blocks } = await fstatAsync(fd)
    const bytes = Buffer.from(text, 'utf8')
    // blocks is in 512-byte units; a file system that reports none (inline data) gets its size.
    if (bytes.length > Math.max(size, blocks * 512)) return false
    const padded = Buffer.alloc(Math.max(bytes.length, size), 0x20)
    bytes.copy(padded)
    const { bytesWritten } = await writeAsync(fd, padded, 0, padded.length, 0)
    // Short only if a block was needed after all: the file is then torn, which reads as none.
    if (bytesWritten !== padded.length) return false
    await fdatasyncAsync(fd)
    return true
  } catch {
    return false
  } finally {
    await closeAsync(fd).catch(() => {})
  }
}

const fstatAsync = promisify(fstat)
const writeAsync = promisify(write)
const fdatasyncAsync = promisify(fdatasync)
const closeAsync = promisify(close)

export async function removeControlFile(path: string): Promise<void> {
  await rm(path, { force: true })
}
