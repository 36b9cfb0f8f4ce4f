// What a segmented fetch is given and the reasons it stops a connection, apart from the fetch itself.
import type { Dispatcher } from 'undici'
import { DownpourError, ERROR_CODES } from '../../shared/protocol/errors.ts'
import type { ByteRange } from '../segments/byte-ranges.ts'
import type { SharedStats, SlotAllocator } from '../stats/shared-stats.ts'
import type { PartFile } from '../storage/part-file.ts'
import type { OpenResponse } from './open-response.ts'
import type { RangeRequest } from './open-range.ts'
import type { TransferPool } from './transfer-pool.ts'

const DISK_CODES: ReadonlySet<string> = new Set([
  ERROR_CODES.disk,
  ERROR_CODES.diskFull,
  ERROR_CODES.diskPermission,
  ERROR_CODES.diskReadOnly,
  ERROR_CODES.unsafePath,
])
export const isDiskError = (error: unknown): boolean =>
  error instanceof DownpourError && DISK_CODES.has(error.code)

/** Why a connection was closed on purpose (not an error: nothing is logged or counted). */
export class Retired extends Error {
  constructor(why: string) {
    super(why)
  }
}
export const FINISHED = new Retired('the download has all its bytes')
export const CHANGED = new Retired('the file changed on the server')
export const NO_RANGES = new Retired('the server did not serve the range')
export const ENCODED = new Retired('the server compressed its range answer')
export const HANDED_OVER = new Retired(
  'its host connection went to another download from the server',
)

/**
 * A connection found the file changed on the server (a 200 to If-Range, or a 206 of another
 * version): every connection was stopped at once; the download starts over from byte 0.
 */
export class FileChangedError extends DownpourError {
  constructor() {
    super(ERROR_CODES.badResponse, 'the file changed on the server', { retryable: true })
  }
}

export type SegmentedFetchOptions = {
  /** The part file as the scheduler thread holds it (for its own connections). */
  part: PartFile
  /** Bytes nobody holds yet, besides the first response's range. */
  gaps: ByteRange[]
  /**
   * The response already open (the probe) and the range we want from it; `bodyEnd`: where its
   * body ends, when past the range (a whole-file 200), so it can take back what extra
   * connections could not get.
   */
  first: { response: OpenResponse; range: ByteRange; bodyEnd?: number }
  /** Whether more connections may be opened (ranges supported, size known). */
  segmentable: boolean
  /** What extra connections ask for (URL, headers, validator, size); the range is theirs. */
  request: Omit<RangeRequest, 'range'>
  /** Other URLs of the same file (the record's mirrors): helpers spread over them. */
  mirrors?: readonly string[]
  /** Mirrors dropped in an earlier try of this run, with why; a drop in this one is added. */
  droppedMirrors?: Map<string, string>
  /** The first URL's strong ETag, which a mirror's must equal when it gives one. */
  etag?: string | null
  maxConnections: () => number
  minSplit: () => number
  shared: { stats: SharedStats; segmentSlots: SlotAllocator; pool: TransferPool | null }
  downloadSlot: number
  /** For extra connections run on this thread: the engine's current dispatcher. */
  dispatcher: () => Dispatcher
  /**
   * Asks for a connection slot on `host` (per-host cap across downloads; the URL's host when
   * none is given), and gives one back.
   */
  acquireSlot: (host?: string) => boolean
  releaseSlot: (host?: string) => void
  /**
   * Extra connections this download holds past its fair share of the URL's host (another download
   * from it started): that many close — their ranges go back to this download's others — and
   * are not replaced.
   */
  overShare: () => number
  /** Whether another download on this host waits for a connection (an idle one's slot serves it). */
  hostShared: () => boolean
  signal: AbortSignal
  timeoutMs: number
  lowestSpeed: number
  throttle?: (bytes: number) => Promise<void> | null
  /** Bandwidth limits in bytes/s (0 = none): this download's and the overall one. */
  limits: () => { download: number; overall: number }
  /**
   * An extra connection's range was served (a 206 of the same version): the server does ranges,
   * whatever its Accept-Ranges said. `false`: it answered without the range (ignores ranges).
   */
  onRanges?(served: boolean): void
  /**
   * An extra connection's range came compressed (Content-Encoding): no more Range requests in
   * this run; the rest comes from a whole-file answer (the first connection's, or a retry's).
   */
  onRangesBroken?(): void
  /** A server answered a helper connection with 429/503: fewer connections from now on. */
  isBackoffSignal(error: unknown): boolean
  /** Tells the download's log why connections ended or splitting stopped. */
  log(message: string): void
}
