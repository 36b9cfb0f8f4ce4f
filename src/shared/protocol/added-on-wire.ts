import type { EngineEvents } from './events.ts'
import type { DownloadSnapshot } from './model.ts'

/**
 * `download/added` as it travels between processes (serveEngine → createEngineClient): the
 * fields every download of the event holds with the same value (`shared`) are sent once, each
 * download carries only the others. A part of an add is 1,000 downloads in one folder, all
 * queued, with a dozen nulls and zeros each: ~470 bytes of JSON per download whole, most of it
 * the same in all (docs/benchmarks.md, "Adding 10,000: the shared fields once"). The client puts
 * each download back together (`unpackAdded`) before anyone hears of the event, so listeners
 * and the mirror see whole downloads, and the mirror checks each against the one schema of a
 * download (download-patch.ts) as it does a `download/changed` entry.
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

/**
 * The event as the engine emitted it: each download with the shared fields put back. Anything
 * that is not an object passes through as it came, for the mirror to refuse (its schema check
 * names the download and the field) and read a snapshot; nothing is dropped here in silence.
 */
export function unpackAdded(payload: unknown): EngineEvents['download/added'] {
  const wire = payload as Partial<AddedOnWire> | null
  const shared = wire?.shared
  if (typeof shared !== 'object' || shared === null || !Array.isArray(wire?.downloads))
    return payload as EngineEvents['download/added']
  const downloads = wire.downloads.map((entry) =>
    typeof entry === 'object' && entry !== null ? { ...shared, ...entry } : entry,
  ) as DownloadSnapshot[]
  return { revision: wire.revision as number, downloads }
}
