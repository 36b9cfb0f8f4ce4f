import type { ConnectionRange, SourceShare } from '../../shared/protocol/details.ts'
import { missingRanges, normalizeRanges, type ByteRange } from './byte-ranges.ts'

/** What a running download knows about its bytes, gathered by `DownloadTransfer.segmentMap`. */
export type LiveBytes = {
  size: number | null
  /** Ranges the part file holds (written on this thread, or reported by workers at a flush). */
  written: readonly ByteRange[]
  /**
   * While several connections run: what no connection has claimed yet, and every connection.
   * Everything else of the file is in (workers report their writes only at a flush, so the
   * part file's list alone lags by up to a checkpoint).
   */
  segmented: {
    unclaimed: readonly ByteRange[]
    connections: ConnectionRange[]
    sources?: SourceShare[]
  } | null
  /** The one connection of a download read without segments (small files, unknown sizes). */
  single: ConnectionRange | null
}

/** The connection map's bytes: received ranges (as `[start, end)` pairs) and open connections. */
export function buildSegmentMap(live: LiveBytes): {
  finished: [number, number][]
  connections: ConnectionRange[]
  sources?: SourceShare[]
} {
  if (live.segmented && live.size !== null) {
    const missing = normalizeRanges([
      ...live.segmented.unclaimed,
      ...live.segmented.connections.map((c) => ({ start: c.pos, end: c.end })),
    ])
    return {
      finished: pairs(missingRanges(missing, live.size)),
      connections: live.segmented.connections,
      ...(live.segmented.sources ? { sources: live.segmented.sources } : {}),
    }
  }
  const single = live.single
  const received = single
    ? normalizeRanges([...live.written, { start: single.start, end: single.pos }])
    : normalizeRanges([...live.written])
  return { finished: pairs(received), connections: single ? [single] : [] }
}

export function pairs(ranges: readonly ByteRange[]): [number, number][] {
  return ranges.filter((r) => r.end > r.start).map((r) => [r.start, r.end])
}
