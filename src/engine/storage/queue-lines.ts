import * as v from 'valibot'
import { IF_EXISTS, type IfExists, type Settings } from '../../shared/protocol/model.ts'
import { settingsPatchSchema } from '../../shared/protocol/schemas.ts'
import { recordSchema, type DownloadRecord } from '../model/download-record.ts'
import { decodeRecord, encodeRecord, PLAIN_IF_EXISTS } from './record-codec.ts'
import { parseRecord } from './record-schema.ts'

/*
 * The queue's files and line format, shared by the loader (queue-load.ts) and the journal writer
 * (queue-store.ts): the files' names, what a journal line and a snapshot header hold, how a
 * change is written as a line, and how a line is read back and replayed.
 */

/** One change of the queue, as the writer queues it and the journal stores it (one line). */
export type JournalOp =
  | { kind: 'put'; record: DownloadRecord }
  | { kind: 'del'; id: string }
  | { kind: 'move'; id: string; position: number }
  | { kind: 'moveBlock'; ids: string[]; position: number }
  | { kind: 'settings' }
  | { kind: 'set'; ids: string[]; fields: StateFields }

/**
 * The fields a command on many downloads changes (pause, resume, retry): journaled as one line
 * naming the ids, `{"s":n,"set":{"state":"paused"},"ids":[…]}`, ~40 bytes a download instead of
 * its whole record (~600 bytes): a command on a long queue writes in proportion to the ids, not
 * to their records (docs/benchmarks.md, "Figures behind the engine's comments").
 */
export type StateFields = Partial<
  Pick<DownloadRecord, 'state' | 'failuresInARow' | 'error' | 'nextRetryAt'>
>
const stateFieldsSchema = v.strictObject(
  v.partial(v.pick(recordSchema, ['state', 'failuresInARow', 'error', 'nextRetryAt'])).entries,
)

const journalLineSchema = v.union([
  // A `put` of a compact record (an array) is read by decodeRecord before this schema.
  v.strictObject({ s: v.number(), put: recordSchema }),
  v.strictObject({ s: v.number(), del: v.string() }),
  v.strictObject({
    s: v.number(),
    move: v.tuple([v.string(), v.pipe(v.number(), v.integer(), v.minValue(0))]),
  }),
  v.strictObject({
    s: v.number(),
    moveTo: v.pipe(v.number(), v.integer(), v.minValue(0)),
    ids: v.array(v.string()),
  }),
  v.strictObject({ s: v.number(), settings: settingsPatchSchema }),
  v.strictObject({ s: v.number(), set: stateFieldsSchema, ids: v.array(v.string()) }),
  // A journal file's first line only (see fileDefaults); no sequence number: not a change.
  v.strictObject({ defaults: v.strictObject({ ifExists: v.picklist(IF_EXISTS) }) }),
])
export type JournalLine = v.InferOutput<typeof journalLineSchema>

/*
 * A queue file's own default for `ifExists` (record-codec.ts, PLAIN_IF_EXISTS): the records of
 * a file leave out an `ifExists` equal to the file's default. Each file declares it for itself
 * and only for itself — the snapshot in its header (`"defaults":{"ifExists":…}`), a journal
 * file in its first line (`{"defaults":{"ifExists":…}}`) — and says nothing when it is
 * `'rename'` (a file of `downpour serve` or the window is as it was before defaults). So a
 * line means the same whatever was read, skipped, compacted or deleted before it, and an engine
 * with another default (the CLI, then serve on the same folder; `get -c`, then `get
 * --allow-overwrite`) never changes what an existing file means: it writes new files (a load
 * always starts a new journal generation; a snapshot is a new file renamed into place), and
 * what it writes of an old record holds that record's rule whenever it differs from the new
 * default.
 */

/** The `defaults` a file declares: nothing for `'rename'`, which every reader assumes. */
function fileDefaults(ifExists: IfExists): { defaults?: { ifExists: IfExists } } {
  return ifExists === PLAIN_IF_EXISTS ? {} : { defaults: { ifExists } }
}

/** A journal file's first line when its default is not `'rename'` (else null: no such line). */
export function journalDefaultsLine(ifExists: IfExists): string | null {
  return ifExists === PLAIN_IF_EXISTS ? null : JSON.stringify(fileDefaults(ifExists))
}

/** Version 3: records in the compact form (`record-codec.ts`); version 2 (whole records) is read too. */
export const SNAPSHOT_VERSION = 3
export const headerSchema = v.object({
  version: v.union([v.literal(2), v.literal(3)]),
  seq: v.number(),
  settings: settingsPatchSchema,
  /** The snapshot's records' default `ifExists` (see fileDefaults); absent: `'rename'`. */
  defaults: v.optional(v.strictObject({ ifExists: v.picklist(IF_EXISTS) })),
})
export const legacySchema = v.object({
  version: v.literal(1),
  settings: settingsPatchSchema,
  downloads: v.array(recordSchema),
})

/** The snapshot: a header line, then one record per line. */
export const SNAPSHOT_FILE = 'queue.ndjson'
/** Version 1: the whole queue as one JSON document, rewritten on every change. Read, then dropped. */
export const LEGACY_FILE = 'queue.json'
const JOURNAL_RE = /^queue-(\d+)\.journal$/
/** The journal of generation `gen`: changes after the snapshot, one line each. */
export function journalName(gen: number): string {
  return `queue-${gen}.journal`
}
/** The generation a file name is the journal of, or null. */
export function journalGen(name: string): number | null {
  const gen = JOURNAL_RE.exec(name)?.[1]
  return gen === undefined ? null : Number(gen)
}
const TEMP_RE = /^\..+\.\d+\.[0-9a-f]+\.tmp$/
/**
 * The compaction's temp file (`.<snapshot>.<pid>.<n>.tmp`); `isTempName` also knows
 * `writeFileAtomic`'s (`.<name>.<pid>.<hex>.tmp`), so the loader deletes both.
 */
export function snapshotTempName(pid: number, n: number): string {
  return `.${SNAPSHOT_FILE}.${pid}.${n}.tmp`
}
export function isTempName(name: string): boolean {
  return TEMP_RE.test(name)
}

/**
 * A snapshot's first line: its version, the sequence number it covers, the settings, and its
 * records' default `ifExists` unless `'rename'`.
 */
export function snapshotHeader(
  seq: number,
  settings: Partial<Settings>,
  defaultIfExists: IfExists,
): string {
  return JSON.stringify({
    version: SNAPSHOT_VERSION,
    seq,
    settings,
    ...fileDefaults(defaultIfExists),
  })
}

/**
 * A change as one journal line (no newline); `source` gives the settings a `settings` line
 * saves; `defaultIfExists` is the journal file's (its first line's).
 */
export function journalLine(
  op: JournalOp,
  seq: number,
  source: { settings(): Partial<Settings> },
  defaultIfExists: IfExists,
): string {
  switch (op.kind) {
    case 'put':
      return `{"s":${seq},"put":${encodeRecord(op.record, defaultIfExists)}}`
    case 'del':
      return JSON.stringify({ s: seq, del: op.id })
    case 'move':
      return JSON.stringify({ s: seq, move: [op.id, op.position] })
    case 'moveBlock':
      return JSON.stringify({ s: seq, moveTo: op.position, ids: op.ids })
    case 'settings':
      return JSON.stringify({ s: seq, settings: source.settings() })
    case 'set':
      return JSON.stringify({ s: seq, set: op.fields, ids: op.ids })
  }
}

export const INVALID = Symbol('invalid JSON')

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch {
    return INVALID
  }
}

/**
 * One journal line read back: the change, or what is wrong with it. Record and `set` lines,
 * most of a journal, are checked without valibot's copy. `defaultIfExists`: the file's, from
 * its first line (a `defaults` line, returned as it is).
 */
export function parseJournalLine(
  text: string,
  strings: Map<string, string>,
  defaultIfExists: IfExists,
): JournalLine | string {
  const value = parseJson(text)
  if (value === INVALID) return 'not valid JSON'
  // Most lines are records: checked without valibot's copy (see parseRecord).
  const line = value as { s?: unknown; put?: unknown }
  if (typeof line === 'object' && line !== null && typeof line.s === 'number' && 'put' in line) {
    if (Object.keys(line).length !== 2) return 'unexpected content (extra fields)'
    const record = Array.isArray(line.put)
      ? decodeRecord(line.put, strings, defaultIfExists)
      : parseRecord(line.put)
    return record.ok
      ? ({ s: line.s, put: record.record } as JournalLine)
      : `unexpected content (put.${record.problem})`
  }
  // A command on many downloads: its ids checked in one loop, not by valibot's copy of 100,000.
  const set = value as { s?: unknown; set?: unknown; ids?: unknown }
  if (
    typeof set === 'object' &&
    set !== null &&
    typeof set.s === 'number' &&
    'set' in set &&
    Array.isArray(set.ids) &&
    Object.keys(set).length === 3 &&
    set.ids.every((id) => typeof id === 'string')
  ) {
    const fields = v.safeParse(stateFieldsSchema, set.set)
    return fields.success
      ? ({ s: set.s, set: fields.output, ids: set.ids as string[] } as JournalLine)
      : `unexpected content (set.${firstIssue(fields.issues)})`
  }
  const parsed = v.safeParse(journalLineSchema, value)
  return parsed.success ? parsed.output : `unexpected content (${firstIssue(parsed.issues)})`
}

/** Replays a `set` line: the same fields on each record still there (no copy per record). */
export function applySet(
  records: Map<string, DownloadRecord>,
  ids: string[],
  fields: StateFields,
): void {
  const { state, failuresInARow, error, nextRetryAt } = fields
  for (const id of ids) {
    const record = records.get(id)
    if (!record) continue
    if (state !== undefined) record.state = state
    if (failuresInARow !== undefined) record.failuresInARow = failuresInARow
    if (error !== undefined) record.error = error
    if (nextRetryAt !== undefined) record.nextRetryAt = nextRetryAt
  }
}

export function firstIssue(issues: readonly v.BaseIssue<unknown>[]): string {
  const first = issues[0]
  return first ? `${v.getDotPath(first) ?? 'root'}: ${first.message}` : 'invalid'
}

/**
 * A record was removed: one first line of an add (QueueStore's #freshBytes) no longer stands for
 * a record a snapshot would write. Which one is not known (the removed record may be older than
 * the snapshot): an average one is taken back, which errs towards compacting sooner. Without
 * this, adding and removing a long list again and again grew the journal without end: the
 * removals' lines alone never outweighed the adds'.
 */
export function forgetFresh(fresh: { bytes: number; lines: number }): void {
  if (fresh.lines === 0) return
  fresh.bytes -= fresh.bytes / fresh.lines
  fresh.lines--
}
