import { constants } from 'node:fs'
import { readFile, rm } from 'node:fs/promises'
import * as v from 'valibot'
import { writeFileAtomic } from './atomic-file.ts'
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
    text = await readFile(path, { encoding: 'utf8', flag: READ_FLAGS })
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

export async function writeControlFile(path: string, data: ControlData): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(data))
}

export async function removeControlFile(path: string): Promise<void> {
  await rm(path, { force: true })
}
