import { addRange, type ByteRange } from '../src/engine/segments/byte-ranges.ts'
import type { RecordedRequest } from './fault-server.ts'

/** One request's share of the bytes a server sent more than once. */
export type Overlap = {
  /** Index of the request in the list given. */
  index: number
  connectionId: number
  /** The Range header as asked. */
  asked: string
  /** File offsets this request was sent, half-open. */
  sent: ByteRange
  /** Bytes of `sent` that earlier requests (by arrival) had been sent already. */
  twice: number
}

/**
 * Which bytes of a file a server sent more than once, from its request log (each request's
 * `range` start and `bytesServed`): the total (a byte sent three times counts twice) and, per
 * request, the overlap with what earlier requests had been sent. Requests without a range (a
 * whole-file GET) start at byte 0.
 */
export function servedTwice(requests: readonly RecordedRequest[]): {
  total: number
  /** The most times any one byte was sent (0 when nothing was). */
  most: number
  overlaps: Overlap[]
} {
  let seen: ByteRange[] = []
  const overlaps: Overlap[] = []
  let total = 0
  requests.forEach((r, index) => {
    const start = Math.max(0, r.range?.start ?? 0)
    const sent = { start, end: start + r.bytesServed }
    let twice = 0
    for (const s of seen) {
      twice += Math.max(0, Math.min(s.end, sent.end) - Math.max(s.start, sent.start))
    }
    seen = addRange(seen, sent)
    total += twice
    if (twice > 0) {
      const asked = String(r.headers.range ?? 'no Range')
      overlaps.push({ index, connectionId: r.connectionId, asked, sent, twice })
    }
  })
  // Sweep over where sends start and end: the deepest point is the most-sent byte.
  const edges = requests
    .filter((r) => r.bytesServed > 0)
    .flatMap((r) => {
      const start = Math.max(0, r.range?.start ?? 0)
      return [
        [start, 1],
        [start + r.bytesServed, -1],
      ] as const
    })
    .sort((a, b) => a[0] - b[0] || a[1] - b[1])
  let depth = 0
  let most = 0
  for (const [, step] of edges) most = Math.max(most, (depth += step))
  return { total, most, overlaps }
}
