// Job: the probe's whole-file body past its own segment — reading on into the range after it
// while the server has not shown that it does ranges, and taking back the rest when it turns out
// that it does not. SegmentedFetch calls these with a view of its gaps and segments.
import { addRange, subtractRange, type ByteRange } from '../segments/byte-ranges.ts'
import { rangeAfter, readOnTarget } from '../segments/connection-choices.ts'
import type { SharedStats } from '../stats/shared-stats.ts'
import { Retired } from './segmented-fetch-options.ts'

/** What the first connection's rules read and change of a SegmentedFetch. */
export type FirstConnectionHost = {
  readonly stats: SharedStats
  /** Where the probe's body ends (undefined: unknown). */
  readonly bodyEnd: number | undefined
  /** An extra connection got a ranged answer from the URL's server. */
  readonly rangesProven: boolean
  /** The download is finishing or stopping. */
  readonly stopping: boolean
  /** The ranges no connection holds (read and replaced). */
  gaps: ByteRange[]
  /** The segments in use. */
  activeIds(): Iterable<number>
  /** Ends the connection of a segment whose range was taken (SegmentedFetch.#retire). */
  retire(segment: number, reason: Retired): void
}

/**
 * The probe's whole-file body reached the end of its segment `slot` while no extra connection
 * has shown yet that the server does ranges: it reads on into the range after it — a gap no
 * connection holds, or the range of a connection that has not received a byte (that request is
 * dropped) — rather than close what may be the only way to those bytes. Without this, a server
 * without ranges on a busy machine (the extra connections' 200s coming in after the probe's
 * segment ended) left the rest to a retry from zero. True when the segment grew.
 */
export function readOn(host: FirstConnectionHost, slot: number): boolean {
  const { stats, bodyEnd } = host
  const { end } = stats.readSegment(slot)
  const target = readOnTarget({
    probe: slot,
    end,
    bodyEnd,
    rangesProven: host.rangesProven,
    stopping: host.stopping,
    gaps: host.gaps,
    segments: [...host.activeIds()].map((id) => ({ id, ...stats.readSegment(id) })),
  })
  if (target.kind === 'none' || bodyEnd === undefined) return false
  if (target.kind === 'gap') {
    if (!stats.extend(slot, end, target.range.end, true)) return false
    host.gaps = subtractRange(host.gaps, target.range)
    return true
  }
  const taken = stats.steal(target.id)
  if (!taken) return false
  // It received bytes between the look and the steal: they stay its own.
  if (taken.start !== end) {
    host.gaps = addRange(host.gaps, taken)
    return false
  }
  host.retire(target.id, new Retired('the first connection reads on into its range'))
  const to = Math.min(taken.end, bodyEnd)
  if (to < taken.end) host.gaps = addRange(host.gaps, { start: to, end: taken.end })
  if (stats.extend(slot, end, to, true)) return true
  host.gaps = addRange(host.gaps, { start: end, end: to })
  return false
}

/**
 * The probe's body goes on past its segment `slot` (a whole-file 200): the range after it, which
 * no extra connection can get, goes back to it, so the file is finished on that one connection
 * instead of being fetched again by a retry.
 */
export function giveBackToFirst(host: FirstConnectionHost, slot: number): void {
  const { bodyEnd, stats } = host
  if (bodyEnd === undefined) return
  const { end } = stats.readSegment(slot)
  const range = rangeAfter(host.gaps, end, bodyEnd)
  if (range && stats.extend(slot, end, range.end)) {
    host.gaps = subtractRange(host.gaps, range)
  }
}
