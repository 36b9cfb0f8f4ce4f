import { newRecord, RECORD_DEFAULTS, type DownloadRecord } from '../model/download-record.ts'
import {
  DOWNLOAD_STATES,
  IF_EXISTS,
  type DownloadState,
  type IfExists,
} from '../../shared/protocol/model.ts'
import { parseRecord } from './record-schema.ts'

/**
 * The compact form of a persisted record (queue snapshot version 3 and journal `put` lines):
 * `[id, url, dir, name, state, createdAt]`, then one object with only the fields that differ
 * from a new download's (`{"nameChosen":true,"size":16384,"done":9216,…}`), left out when there
 * are none. A queued download is ~130 bytes instead of ~640 as a whole JSON record: a long
 * queue's snapshot is read and written faster, and loading it makes less garbage
 * (docs/benchmarks.md, "Figures behind the engine's comments"). (Versions before 0.1's
 * duplicate index also stored a `key`: read and ignored, the key is derived from the URL,
 * folder and requested name.)
 */
export type CompactRecord = [string, string, string, string, string, number, Rest?]
type Rest = Partial<Omit<DownloadRecord, 'id' | 'url' | 'dir' | 'name' | 'state' | 'createdAt'>>

/** The fields the compact form leaves out when they hold a new download's value. */
const DEFAULT_NAMES = (Object.keys(RECORD_DEFAULTS) as (keyof typeof RECORD_DEFAULTS)[]).filter(
  // an empty object of one's own is not NO_HEADERS, yet leaves nothing to store: see below
  (name) => name !== 'headers' && name !== 'mirrors',
)
const STATES: ReadonlySet<string> = new Set(DOWNLOAD_STATES)
const IF_EXISTS_RULES: ReadonlySet<string> = new Set(IF_EXISTS)

/**
 * What a record that leaves `ifExists` out has, when no queue default says otherwise: a new
 * download's (`'rename'`, what `downpour serve` and the window give). A queue file may declare
 * a default of its own (`{"defaults":{"ifExists":…}}`: the snapshot's header, a journal file's
 * first line; queue-lines.ts): `downpour get` gives every download of a run the same rule
 * (`ifExistsOf`), and storing it in each record cost ~33 bytes a line.
 */
export const PLAIN_IF_EXISTS: IfExists = RECORD_DEFAULTS.ifExists

/** RECORD_DEFAULTS with each possible queue default of `ifExists`, built once. */
const DEFAULTS_WITH = new Map(
  IF_EXISTS.map((rule) => [rule, { ...RECORD_DEFAULTS, ifExists: rule }]),
)

/**
 * A record as one compact JSON line (no newline), for a file whose records' default `ifExists`
 * is `defaultIfExists`: the record's own is stored only when it differs (`'rename'` included).
 */
export function encodeRecord(
  record: DownloadRecord,
  defaultIfExists: IfExists = PLAIN_IF_EXISTS,
): string {
  const defaults = DEFAULTS_WITH.get(defaultIfExists)!
  let rest: Record<string, unknown> | null = null
  for (const name of DEFAULT_NAMES) {
    if (record[name] !== defaults[name]) (rest ??= {})[name] = record[name]
  }
  for (const _ in record.headers) {
    ;(rest ??= {}).headers = record.headers
    break
  }
  // Only a download with mirrors pays for them (a length read for all others).
  if (record.mirrors.length > 0) (rest ??= {}).mirrors = record.mirrors
  const head = [record.id, record.url, record.dir, record.name, record.state, record.createdAt]
  return JSON.stringify(rest ? [...head, rest] : head)
}

/**
 * A compact record read back and checked as a whole record is (`parseRecord`). Folders are
 * shared through `strings` (one string per folder, not one per download). `defaultIfExists`
 * is the default of the file the line is in: a record without `ifExists` has it.
 */
export function decodeRecord(
  value: unknown[],
  strings: Map<string, string> = new Map(),
  defaultIfExists: IfExists = PLAIN_IF_EXISTS,
): { ok: true; record: DownloadRecord } | { ok: false; problem: string } {
  if (value.length !== 6 && value.length !== 7) return { ok: false, problem: 'not a record' }
  const [id, url, dir, name, state, createdAt, rest] = value
  if (typeof dir !== 'string') return { ok: false, problem: 'dir: not a string' }
  if (typeof url !== 'string') return { ok: false, problem: 'url: not a string' }
  let sharedDir = strings.get(dir)
  if (sharedDir === undefined) strings.set(dir, (sharedDir = dir))
  // Most of a long queue: a download that never started, perhaps with a rule for a file
  // already there other than its file's default. Its fields are checked here; the rest are
  // defaults (no `parseRecord`, no lookups: a large share of a long queue's load).
  const onlyIfExists = value.length === 7 && onlyIfExistsOf(rest)
  if (value.length === 6 || onlyIfExists) {
    if (typeof id !== 'string') return { ok: false, problem: 'id: not a string' }
    if (typeof name !== 'string') return { ok: false, problem: 'name: not a string' }
    if (typeof state !== 'string' || !STATES.has(state))
      return { ok: false, problem: 'state: not a download state' }
    if (typeof createdAt !== 'number' || !Number.isFinite(createdAt))
      return { ok: false, problem: 'createdAt: not a number' }
    const record = newRecord(id, url, sharedDir, name, state as DownloadState, createdAt)
    // Set in place: the same shape as every other record.
    record.ifExists = onlyIfExists || defaultIfExists
    return { ok: true, record }
  }
  const extra = (rest ?? {}) as Record<string, unknown>
  if (typeof extra !== 'object' || extra === null || Array.isArray(extra))
    return { ok: false, problem: 'the fields after createdAt are not an object' }
  for (const field in extra) {
    if (field !== 'key' && !(field in RECORD_DEFAULTS))
      return { ok: false, problem: `${field}: not a field of a record` }
  }
  // The field order of `newRecord`: every record has one shape.
  const record = {
    id,
    url,
    dir: sharedDir,
    requestedName: pick(extra, 'requestedName'),
    name,
    nameChosen: pick(extra, 'nameChosen'),
    state,
    size: pick(extra, 'size'),
    done: pick(extra, 'done'),
    tries: pick(extra, 'tries'),
    failuresInARow: pick(extra, 'failuresInARow'),
    maxTries: pick(extra, 'maxTries'),
    nextRetryAt: pick(extra, 'nextRetryAt'),
    error: pick(extra, 'error'),
    resumable: pick(extra, 'resumable'),
    etag: pick(extra, 'etag'),
    lastModified: pick(extra, 'lastModified'),
    finalUrl: pick(extra, 'finalUrl'),
    checksum: pick(extra, 'checksum'),
    headers: pick(extra, 'headers'),
    mirrors: pick(extra, 'mirrors'),
    speedLimit: pick(extra, 'speedLimit'),
    maxConnections: pick(extra, 'maxConnections'),
    ifExists: 'ifExists' in extra ? extra.ifExists : defaultIfExists,
    createdAt,
    completedAt: pick(extra, 'completedAt'),
  }
  const parsed = parseRecord(record)
  return parsed.ok ? { ok: true, record: parsed.record as DownloadRecord } : parsed
}

/** The rule of a rest that holds nothing but a valid `ifExists`; false for any other rest. */
function onlyIfExistsOf(rest: unknown): IfExists | false {
  if (typeof rest !== 'object' || rest === null) return false
  let rule: unknown = undefined
  for (const field in rest) {
    if (field !== 'ifExists') return false
    rule = (rest as { ifExists: unknown }).ifExists
  }
  return typeof rule === 'string' && IF_EXISTS_RULES.has(rule) ? (rule as IfExists) : false
}

function pick(extra: Record<string, unknown>, name: keyof typeof RECORD_DEFAULTS): unknown {
  return name in extra ? extra[name] : RECORD_DEFAULTS[name]
}
