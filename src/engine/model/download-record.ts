import * as v from 'valibot'
import {
  DOWNLOAD_STATES,
  IF_EXISTS,
  type DownloadSnapshot,
  type DownloadState,
} from '../../shared/protocol/model.ts'
import { checksumSchema } from '../../shared/protocol/schemas.ts'
import { redactUrl } from '../../shared/protocol/url.ts'

/**
 * What the engine knows about one download; persisted in the queue file and checked on every
 * load. Unlike the snapshot it keeps secrets needed to download (URL userinfo, custom headers):
 * the queue file is 0600 and none of these fields is ever logged or sent to a client. The type
 * is this schema's output, so the two cannot drift apart.
 */
export const recordSchema = v.object({
  id: v.string(),
  url: v.string(),
  dir: v.string(),
  /** The name given by the user (fixed) or null to take the server's. */
  requestedName: v.nullable(v.string()),
  /** Current (final, once chosen) file name in `dir`. */
  name: v.string(),
  /** True once `name` is reserved on disk for this download (a `.part` may exist). */
  nameChosen: v.boolean(),
  state: v.picklist(DOWNLOAD_STATES),
  size: v.nullable(v.number()),
  done: v.number(),
  tries: v.number(),
  failuresInARow: v.number(),
  maxTries: v.nullable(v.number()),
  nextRetryAt: v.nullable(v.number()),
  error: v.nullable(v.object({ code: v.string(), message: v.string() })),
  resumable: v.nullable(v.boolean()),
  etag: v.nullable(v.string()),
  lastModified: v.nullable(v.string()),
  finalUrl: v.nullable(v.string()),
  checksum: v.nullable(checksumSchema),
  headers: v.record(v.string(), v.string()),
  /**
   * Other URLs of the same file (checked by `checkMirrors`), in the order they are tried. A
   * record written before mirrors existed has none.
   */
  mirrors: v.optional(v.array(v.string()), () => NO_MIRRORS),
  speedLimit: v.number(),
  maxConnections: v.nullable(v.number()),
  /** When a file already has the chosen name (see IfExists). */
  ifExists: v.picklist(IF_EXISTS),
  createdAt: v.number(),
  completedAt: v.nullable(v.number()),
})

export type DownloadRecord = v.InferOutput<typeof recordSchema>

/**
 * Most downloads have no headers of their own: they share this one (never mutated: headers are
 * replaced whole by `update`): an empty object per download is memory a long queue pays for
 * nothing (docs/benchmarks.md, "Figures behind the engine's comments").
 */
export const NO_HEADERS: Record<string, string> = Object.freeze({}) as Record<string, string>

/** Most downloads have no mirrors: they share this one (replaced whole, never mutated). */
export const NO_MIRRORS: string[] = Object.freeze([]) as unknown as string[]

/** The six fields that name a download; every other field has a default. */
type RecordHead = 'id' | 'url' | 'dir' | 'name' | 'state' | 'createdAt'

/** A new download's value of every field but the six that name it. */
export const RECORD_DEFAULTS = {
  requestedName: null,
  nameChosen: false,
  size: null,
  done: 0,
  tries: 0,
  failuresInARow: 0,
  maxTries: null,
  nextRetryAt: null,
  error: null,
  resumable: null,
  etag: null,
  lastModified: null,
  finalUrl: null,
  checksum: null,
  headers: NO_HEADERS,
  mirrors: NO_MIRRORS,
  speedLimit: 0,
  maxConnections: null,
  ifExists: 'rename',
  completedAt: null,
} as const satisfies Omit<DownloadRecord, RecordHead>

/**
 * A new download's record: its six naming fields, every other at `RECORD_DEFAULTS`. The fields
 * stand in the schema's order, so every record has one shape (one hidden class) whether it was
 * added, decoded or parsed; callers that set more fields spread this first to keep that order.
 */
export function newRecord(
  id: string,
  url: string,
  dir: string,
  name: string,
  state: DownloadState,
  createdAt: number,
): DownloadRecord {
  const d = RECORD_DEFAULTS
  return {
    id,
    url,
    dir,
    requestedName: d.requestedName,
    name,
    nameChosen: d.nameChosen,
    state,
    size: d.size,
    done: d.done,
    tries: d.tries,
    failuresInARow: d.failuresInARow,
    maxTries: d.maxTries,
    nextRetryAt: d.nextRetryAt,
    error: d.error,
    resumable: d.resumable,
    etag: d.etag,
    lastModified: d.lastModified,
    finalUrl: d.finalUrl,
    checksum: d.checksum,
    headers: d.headers,
    mirrors: d.mirrors,
    speedLimit: d.speedLimit,
    maxConnections: d.maxConnections,
    ifExists: d.ifExists,
    createdAt,
    completedAt: d.completedAt,
  }
}

/** Live figures the heartbeat adds to a record when it is shown. */
export type LiveFigures = {
  speed: number
  eta: number | null
  connections: number
  /** See DownloadSnapshot.lastByteAt; absent when not running. */
  lastByteAt?: number
}

export function toSnapshot(
  record: DownloadRecord,
  live: LiveFigures,
  defaults: { maxTries: number },
): DownloadSnapshot {
  return {
    id: record.id,
    url: redactUrl(record.url),
    finalUrl: record.finalUrl ? redactUrl(record.finalUrl) : null,
    dir: record.dir,
    name: record.name,
    state: record.state,
    size: record.size,
    done: record.done,
    speed: live.speed,
    eta: live.eta,
    tries: record.tries,
    maxTries: record.maxTries ?? defaults.maxTries,
    nextRetryAt: record.nextRetryAt,
    error: record.error,
    resumable: record.resumable,
    connections: live.connections,
    // Always present (undefined when not running: JSON leaves it out). A spread here made
    // every property after it a runtime definition and two shapes of snapshot.
    lastByteAt: live.lastByteAt,
    checksum: record.checksum,
    speedLimit: record.speedLimit,
    maxConnections: record.maxConnections,
    createdAt: record.createdAt,
    completedAt: record.completedAt,
    ...(record.mirrors.length === 0 ? {} : { mirrors: record.mirrors.map((m) => redactUrl(m)) }),
  }
}
