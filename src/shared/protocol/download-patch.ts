import * as v from 'valibot'
import { DOWNLOAD_STATES, type DownloadSnapshot } from './model.ts'
import { checksumSchema, describeIssues } from './schemas.ts'

/**
 * What a `download/changed` entry says of one download. A command on many downloads that are
 * not running (pause, resume, retry of 10,000) changes their state and a field or two: the
 * entry then carries only those (`DownloadPatch`), a fraction of the whole download's JSON
 * (docs/benchmarks.md, "Figures behind the window's comments"). Any other change sends the
 * download whole (`url` present), which replaces what the client held.
 */
export type DownloadPatch = Pick<DownloadSnapshot, 'id' | 'state'> &
  Partial<Omit<DownloadSnapshot, 'id' | 'state' | 'url' | OptionalField>> & {
    /** Never in a patch: a download with its URL is whole (see `isWhole`). */
    url?: never
  }

/**
 * Fields a download may lack: a patch cannot say one went away (JSON drops `undefined`), so a
 * change of any of these sends the download whole.
 */
type OptionalField = 'lastByteAt' | 'fileMissing' | 'mirrors'

/** Fields a patch may carry besides `id` and `state` (what the engine's bulk commands set). */
export type PatchField = Exclude<keyof DownloadPatch, 'id' | 'state' | 'url'>

/** The download whole (it replaces the client's copy), or only what changed. */
export type DownloadDescription = DownloadSnapshot | DownloadPatch

/** A description with its URL is the whole download; without, a patch over the last one. */
export function isWhole(d: DownloadDescription): d is DownloadSnapshot {
  return d.url !== undefined
}

const errorSchema = v.object({ code: v.string(), message: v.string() })
const count = v.number()

const plainEntries = {
  finalUrl: v.nullable(v.string()),
  dir: v.string(),
  name: v.string(),
  size: v.nullable(count),
  done: count,
  speed: count,
  eta: v.nullable(count),
  tries: count,
  maxTries: count,
  nextRetryAt: v.nullable(count),
  error: v.nullable(errorSchema),
  resumable: v.nullable(v.boolean()),
  connections: count,
  checksum: v.nullable(checksumSchema),
  speedLimit: count,
  maxConnections: v.nullable(count),
  createdAt: count,
  completedAt: v.nullable(count),
}

const head = { id: v.string(), state: v.picklist(DOWNLOAD_STATES) }

/** A whole download as a client receives it (what `download/added` and a snapshot carry). */
export const downloadSnapshotSchema = v.object({
  ...head,
  url: v.string(),
  ...plainEntries,
  lastByteAt: v.optional(count),
  fileMissing: v.optional(v.literal(true)),
  mirrors: v.optional(v.array(v.string())),
})

/** Only what changed: `id`, `state`, and any plain field (see DownloadPatch). */
export const downloadPatchSchema = v.strictObject({
  ...head,
  ...v.partial(v.object(plainEntries)).entries,
})

/**
 * Checks a `download/changed` entry's description before a client applies it: the problem,
 * naming the download and the field, or null. A patch naming a field it may not carry (one a
 * newer engine added, a typo) is refused rather than written over a row: the client then reads
 * a snapshot, which holds everything.
 */
export function describeBadDescription(d: unknown): string | null {
  if (typeof d !== 'object' || d === null) return 'a change without a download'
  const whole = (d as { url?: unknown }).url !== undefined
  const result = v.safeParse(whole ? downloadSnapshotSchema : downloadPatchSchema, d)
  if (result.success) return null
  const id = (d as { id?: unknown }).id
  return `${typeof id === 'string' ? `download ${id}` : 'a download'}: ${describeIssues(result.issues)}`
}

/**
 * Checks a `download/added` entry: it must be a whole download (an added one has no earlier
 * copy to patch). The problem, naming the download and the field, or null.
 */
export function describeBadAdded(d: unknown): string | null {
  if (typeof d !== 'object' || d === null) return 'an added download that is not one'
  const result = v.safeParse(downloadSnapshotSchema, d)
  if (result.success) return null
  const id = (d as { id?: unknown }).id
  return `added ${typeof id === 'string' ? `download ${id}` : 'download'}: ${describeIssues(result.issues)}`
}

/** The download after `d`: itself when whole, else `before` with the patch's fields written over. */
export function applyDescription(
  before: DownloadSnapshot,
  d: DownloadDescription,
): DownloadSnapshot {
  if (isWhole(d)) return d
  return { ...before, ...d } as DownloadSnapshot
}

/**
 * The patch naming `fields` besides `id` and `state`, read from `source` (a record or a
 * snapshot: for these fields the engine's record holds what the snapshot shows).
 */
export function pickPatch<K extends PatchField>(
  source: Pick<DownloadSnapshot, 'id' | 'state' | K>,
  fields: readonly K[],
): DownloadPatch {
  const patch: Record<string, unknown> = { id: source.id, state: source.state }
  for (const field of fields) patch[field] = source[field]
  return patch as DownloadPatch
}
