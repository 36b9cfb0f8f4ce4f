import type {
  Checksum,
  IfExists,
  DownloadError,
  DownloadSnapshot,
  DownloadState,
} from '../../shared/protocol/model.ts'
import { redactUrl } from '../../shared/protocol/url.ts'

/**
 * What the engine knows about one download; persisted in the queue file. Unlike the snapshot it
 * keeps secrets needed to download (URL userinfo, custom headers): the queue file is 0600 and
 * none of these fields is ever logged or sent to a client.
 */
export type DownloadRecord = {
  id: string
  url: string
  dir: string
  /** The name given by the user (fixed) or null to take the server's. */
  requestedName: string | null
  /** Current (final, once chosen) file name in `dir`. */
  name: string
  /** True once `name` is reserved on disk for this download (a `.part` may exist). */
  nameChosen: boolean
  state: DownloadState
  size: number | null
  done: number
  tries: number
  failuresInARow: number
  maxTries: number | null
  nextRetryAt: number | null
  error: DownloadError | null
  resumable: boolean | null
  etag: string | null
  lastModified: string | null
  finalUrl: string | null
  checksum: Checksum | null
  headers: Record<string, string>
  speedLimit: number
  maxConnections: number | null
  /** When a file already has the chosen name (see IfExists). */
  ifExists: IfExists
  createdAt: number
  completedAt: number | null
}

/** Live figures the heartbeat adds to a record when it is shown. */
export type LiveFigures = { speed: number; eta: number | null; connections: number }

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
    checksum: record.checksum,
    speedLimit: record.speedLimit,
    maxConnections: record.maxConnections,
    createdAt: record.createdAt,
    completedAt: record.completedAt,
  }
}
