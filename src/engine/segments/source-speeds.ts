import {
  cannotWin,
  pickWork,
  splitAt,
  type ActiveSegment,
  type WorkAssignment,
} from './segment-planner.ts'
import type { ByteRange } from './byte-ranges.ts'

/**
 * Judging connections per source (a download with mirrors). A server capped as a whole gives
 * each of its N connections 1/N of its rate: one connection to a 2 MiB/s server looks twice as
 * fast as each of eight to an 8 MiB/s one, so the planner, judging each connection alone, left
 * the end of a 100 MiB file to the slow server (4.09× of size ÷ 10 MiB/s in bench/mirrors.ts).
 * What decides when the file is done is when each SOURCE finishes what it holds: its bytes left
 * over its connections' summed rate. Pure; property-tested.
 */

/** An active segment with the source its connection fetches from (an index). */
export type SourcedSegment = ActiveSegment & { source: number }

/** A source's figures: its connections' summed measured rate and their bytes left. */
export type SourceLoad = { rate: number; left: number }

/** Each source's load (sources with no measured connection have rate 0). */
export function sourceLoads(segments: readonly SourcedSegment[]): Map<number, SourceLoad> {
  const loads = new Map<number, SourceLoad>()
  for (const s of segments) {
    const load = loads.get(s.source) ?? { rate: 0, left: 0 }
    load.left += Math.max(0, s.end - s.pos)
    if (s.speed !== undefined && !s.behind) load.rate += s.speed
    loads.set(s.source, load)
  }
  return loads
}

/**
 * The segments as the planner should see them across sources: each measured segment's speed
 * becomes its share of its source's rate in proportion to its bytes left, so every segment of a
 * source shows that source's finish time (left ÷ speed = the source's left ÷ its rate). A
 * segment whose reader is behind, or not measured, keeps what it had (segment-planner.ts).
 */
export function judgeBySource(segments: readonly SourcedSegment[]): ActiveSegment[] {
  const loads = sourceLoads(segments)
  return segments.map(({ source, ...segment }) => {
    const load = loads.get(source)!
    if (segment.speed === undefined || segment.behind || load.rate <= 0) return segment
    const left = Math.max(0, segment.end - segment.pos)
    const speed = load.left > 0 ? (load.rate * left) / load.left : load.rate
    return { ...segment, speed }
  })
}

/**
 * What an idle connection of `source` brings to a range of another source: its source's rate,
 * shared with the bytes that source still holds (a server capped as a whole does not get
 * faster with one more range). `range` is the biggest rest the asker could take. Its own speed
 * when its source is not measured.
 */
export function askerBySource(
  source: number,
  ownSpeed: number,
  loads: ReadonlyMap<number, SourceLoad>,
  range: number,
): number {
  const load = loads.get(source)
  if (!load || load.rate <= 0) return ownSpeed
  if (load.left <= 0 || range <= 0) return load.rate
  return (load.rate * range) / (load.left + range)
}

/**
 * Work for an idle connection of `source` in a download with mirrors: gaps first as ever; then
 * splits and steals judged per source (judgeBySource, askerBySource), so a fast mirror's idle
 * connections take the slow source's rest in proportion to the two rates, and steal it when
 * their source would finish it LAGGARD_RATIO times sooner. Whether the asker is too slow to win
 * anything (a 'yield') is judged against its own source's connections only (per-connection
 * shaping within a server): judged against another's, the slow server's only connection
 * yielded, was reopened to the same server by its own count, and yielded again.
 */
export function pickSourcedWork(
  gaps: readonly ByteRange[],
  segments: readonly SourcedSegment[],
  minSplit: number,
  asker: { source: number; speed: number },
  mayRob: boolean,
): WorkAssignment {
  const own = segments.filter((s) => s.source === asker.source)
  if (cannotWin(asker.speed, own)) return { kind: 'yield' }
  const loads = sourceLoads(segments)
  let biggest = 0
  for (const s of segments) {
    if (s.source !== asker.source) biggest = Math.max(biggest, s.end - s.pos)
  }
  const askerSpeed = askerBySource(asker.source, asker.speed, loads, biggest)
  const judged = judgeBySource(segments)
  const work = pickWork(gaps, judged, minSplit, askerSpeed, mayRob)
  // Slower than another source is no reason to close: that source's count is its own (a
  // server capped as a whole gets no faster with this connection's range). It takes its share.
  return work.kind === 'yield' ? splitInProportion(gaps, judged, minSplit, askerSpeed) : work
}

/**
 * The work a connection far slower than another source's gets (pickWork would have it yield):
 * a gap first, as ever; else the rest of the segment that would finish last, cut so both finish together (the victim keeps
 * its speed's share), never below `minSplit` on either side; it robs no one. Given half, as by a
 * connection of unknown speed, the slow server's connection held a tail the fast one stole, its
 * own count opened another there, which took half again: 64 steals and 99 connections a run.
 */
function splitInProportion(
  gaps: readonly ByteRange[],
  judged: readonly ActiveSegment[],
  minSplit: number,
  askerSpeed: number,
): WorkAssignment {
  const gap = gaps.find((g) => g.end > g.start)
  if (gap) return { kind: 'gap', range: { start: gap.start, end: gap.end } }
  let victim: ActiveSegment | null = null
  let last = -1
  for (const s of judged) {
    const left = s.end - s.pos
    if (left < 2 * minSplit || s.splittable === false || !s.speed || s.behind) continue
    const finish = left / s.speed
    if (finish > last) [victim, last] = [s, finish]
  }
  if (!victim || askerSpeed <= 0) return { kind: 'none' }
  const keepFraction = victim.speed! / (victim.speed! + askerSpeed)
  return splitAt(victim, minSplit, keepFraction)
}
