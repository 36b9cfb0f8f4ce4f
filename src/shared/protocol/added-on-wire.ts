import * as v from 'valibot'
import { downloadSnapshotSchema } from './download-patch.ts'
import type { EngineEvents } from './events.ts'
import type { DownloadSnapshot } from './model.ts'
import { describeIssues } from './schemas.ts'

/**
 * `download/added` as it travels between processes (serveEngine → createEngineClient): the
 * fields every download of the event holds with the same value (`shared`) are sent once, each
 * download carries only the others. A part of an add is 1,000 downloads in one folder, all
 * queued, with a dozen nulls and zeros each: ~470 bytes of JSON per download whole, most of it
 * the same in all (docs/benchmarks.md, "Adding 10,000: the shared fields once"). The client puts
 * each download back together (`unpackAdded`) before anyone hears of the event, so listeners
 * and the mirror see whole downloads. What arrived is checked against the one schema of a
 * download (download-patch.ts) as it is put together, and the mirror refuses what failed.
 */
export type AddedOnWire = {
  revision: number
  /** What every download of the event holds; absent when there is nothing to share. */
  shared?: Partial<DownloadSnapshot>
  /** Each download without the fields in `shared`. */
  downloads: Partial<DownloadSnapshot>[]
}

/**
 * Packed once per event: the engine emits one payload object and serveEngine posts it to every
 * client, and the server serializes an event's payload once by its identity (message-text.ts).
 */
const packedByPayload = new WeakMap<object, AddedOnWire>()

/**
 * The event with its common fields once. Only fields present in every download with the same
 * primitive value (a string, a number, a boolean, null) are shared: an object (an error, a
 * checksum) stays with its download, and so does an optional field some downloads lack.
 */
export function packAdded(payload: EngineEvents['download/added']): AddedOnWire {
  const done = packedByPayload.get(payload)
  if (done !== undefined) return done
  const packed = pack(payload)
  packedByPayload.set(payload, packed)
  return packed
}

function pack(payload: EngineEvents['download/added']): AddedOnWire {
  const { downloads } = payload
  const first = downloads[0]
  if (downloads.length < 2 || first === undefined) return payload
  const shared: Record<string, unknown> = {}
  const sharedKeys: string[] = []
  for (const key of Object.keys(first) as (keyof DownloadSnapshot)[]) {
    const value = first[key]
    if (value === undefined || (typeof value === 'object' && value !== null)) continue
    let same = true
    for (let i = 1; i < downloads.length && same; i++) same = downloads[i]![key] === value
    if (!same) continue
    shared[key] = value
    sharedKeys.push(key)
  }
  if (sharedKeys.length === 0) return payload
  const own: Partial<DownloadSnapshot>[] = new Array(downloads.length)
  for (let i = 0; i < downloads.length; i++) {
    const entry: Record<string, unknown> = {}
    const download = downloads[i] as Record<string, unknown>
    for (const key in download) if (!(key in shared)) entry[key] = download[key]
    own[i] = entry as Partial<DownloadSnapshot>
  }
  return { revision: payload.revision, shared: shared as Partial<DownloadSnapshot>, downloads: own }
}

const ENTRIES = downloadSnapshotSchema.entries
type Field = keyof typeof ENTRIES
/** The fields a whole download cannot lack. */
const REQUIRED = (Object.keys(ENTRIES) as Field[]).filter((k) => ENTRIES[k].type !== 'optional')
const sharedSchema = v.partial(downloadSnapshotSchema)

/** What `unpackAdded` found wrong with each download of an event it put together (null: none). */
const problemsByPayload = new WeakMap<object, readonly (string | null)[]>()

/**
 * The problems found in an unpacked event's downloads, in order, or undefined for an event that
 * was not unpacked (sent whole, or made in this process): the mirror then checks each itself.
 */
export function problemsOnArrival(
  payload: EngineEvents['download/added'],
): readonly (string | null)[] | undefined {
  return problemsByPayload.get(payload)
}

/**
 * The event as the engine emitted it: each download with the shared fields put back. Each is
 * checked as it is put together, at the cost of its own fields: `shared` once against the
 * schema, each download's own fields against the schema's entries for them (one picked schema
 * per set of fields, usually one per event), and the two together must hold every field a
 * download cannot lack. The same verdict as checking every whole download (added-on-wire.test
 * compares them), at a fifth of the cost: the whole check was 2.5 ms per 1,000 downloads of the
 * page's main thread. What fails is handed on as it came with its problem noted
 * (`problemsOnArrival`), for the mirror to refuse and read a snapshot; nothing is dropped here.
 */
export function unpackAdded(payload: unknown): EngineEvents['download/added'] {
  const wire = payload as Partial<AddedOnWire> | null
  const shared = wire?.shared
  if (typeof shared !== 'object' || shared === null || !Array.isArray(wire?.downloads))
    return payload as EngineEvents['download/added']
  // Each bad shared field with its problem: a download that sets the field itself is not hurt.
  const sharedCheck = v.safeParse(sharedSchema, shared)
  const badShared = new Map<string, string>()
  for (const issue of sharedCheck.issues ?? []) {
    const field = v.getDotPath(issue)?.split('.')[0] ?? ''
    if (!badShared.has(field)) badShared.set(field, describeIssues([issue]))
  }
  const checks = new Map<
    string,
    { schema: v.GenericSchema | null; missing: string | null; inherited: string | null }
  >()
  const problems: (string | null)[] = []
  const downloads = wire.downloads.map((entry) => {
    if (typeof entry !== 'object' || entry === null) {
      problems.push('an added download that is not one')
      return entry
    }
    const own = Object.keys(entry)
    const signature = own.join(',')
    let check = checks.get(signature)
    if (check === undefined) {
      const fields = own.filter((k): k is Field => k in ENTRIES)
      const missing = REQUIRED.find((k) => !(k in shared) && !own.includes(k)) ?? null
      const inherited = [...badShared].find(([field]) => !own.includes(field))?.[1] ?? null
      check = {
        inherited,
        schema:
          fields.length > 0 ? v.pick(downloadSnapshotSchema, fields as [Field, ...Field[]]) : null,
        missing,
      }
      checks.set(signature, check)
    }
    const id = (entry as { id?: unknown }).id
    const named = `added ${typeof id === 'string' ? `download ${id}` : 'download'}`
    let problem: string | null = null
    if (check.missing !== null) problem = `${named}: ${check.missing}: missing`
    else if (check.schema !== null) {
      const result = v.safeParse(check.schema, entry)
      if (!result.success) problem = `${named}: ${describeIssues(result.issues)}`
    }
    if (problem === null && check.inherited !== null) problem = `${named}: ${check.inherited}`
    problems.push(problem)
    return { ...shared, ...entry }
  }) as DownloadSnapshot[]
  const unpacked = { revision: wire.revision as number, downloads }
  problemsByPayload.set(unpacked, problems)
  return unpacked
}
