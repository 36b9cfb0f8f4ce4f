import type { ByteRange } from './byte-ranges.ts'

/**
 * Where the next connection of a segmented download should fetch from. Pure; property-tested.
 *
 * An active segment is `[pos, end)`: `pos` is the next byte its connection will receive, `end`
 * the first byte it must not fetch. Work is handed out in this order:
 *  1. an unassigned gap (bytes nobody has or fetches), from its start;
 *  2. otherwise the upper part of the active segment that would finish last, if both parts
 *     keep at least `minSplit` bytes — the victim's `end` is lowered in place, its connection
 *     stops there (IDM/Gopeed-style dynamic splitting: no connection idles while another still
 *     has a long way to go, and one slow connection never holds the finish);
 *  3. otherwise, in the endgame (nothing left to split), the rest of a laggard's segment: a
 *     connection `LAGGARD_RATIO` times slower than the fastest would finish long after a fast
 *     one could fetch its remainder afresh; the laggard stops where it is;
 *  4. otherwise the upper part of a rest under 2 × `minSplit` that its connection would need
 *     ENDGAME_SPLIT_SECONDS or more for, down to ENDGAME_MIN_SPLIT a side (endgameSplit): when
 *     every connection is slow none is a laggard, and each kept up to 2 × `minSplit` to the
 *     end while the idle ones waited.
 */

/** A connection this many times slower than the fastest counts as a laggard. */
export const LAGGARD_RATIO = 4
/**
 * A steal costs a new request (and the laggard's connection): only worth it when the laggard
 * would need at least this long for its rest.
 */
export const MIN_STEAL_SECONDS = 0.1
/**
 * The smallest piece an endgame split leaves on either side (or `minSplit`, when smaller).
 * `minSplit` (aria2's `-k`) keeps requests from being tiny while there is plenty to share out;
 * at the end of the file, with nothing else to do, an idle connection taking half of a slow
 * connection's last megabyte costs one request and saves seconds: at 128 KiB/s a connection,
 * a 1 MiB rest takes 8 s alone (nginx `limit_rate 128k`, bench/same-host.ts). 128 KiB is a
 * second at that pace: a request's round trip is small beside it.
 */
export const ENDGAME_MIN_SPLIT = 128 * 1024
/**
 * An endgame split is made only when the victim would need at least this long for its rest:
 * fast connections' last ranges end soon enough, and a new request would not pay.
 */
export const ENDGAME_SPLIT_SECONDS = 1
export type ActiveSegment = {
  id: number
  pos: number
  end: number
  /** Recent bytes/s of the connection filling it, when known. */
  speed?: number
  /**
   * Its reader is behind its server (segment-speed.ts, isBehind): the bytes past `pos` are on
   * their way already, and `speed` measures this machine. Never a laggard; split last, in half.
   */
  behind?: boolean
  /** false: never split (its owner knows why). */
  splittable?: boolean
  /**
   * ms its reader has waited for a byte since the last one (segment-speed.ts, quietFor). A
   * server that paces in bursts (nginx's `limit_rate`: a second's worth at once, then a pause)
   * leaves a connection quiet long after its average says its rest is due.
   */
  quiet?: number
  /**
   * `speed` is a quiet connection's average since its request (connection-choices.ts,
   * quietSpeed): a lower bound to choose a victim by, not a pace any connection has shown. A
   * burst's average over the moment after it reads several times its server's pace.
   */
  estimated?: boolean
}

/**
 * Whether a segment's speed is a measured flow of its server's bytes: measured (not estimated),
 * and its reader keeps up (a reader behind its server measures this machine). Only these set the
 * pace an asker is judged against (cannotWin, fastestSeen); laggards are judged on averages
 * (pickLaggards).
 */
export function isMeasured(s: ActiveSegment): s is ActiveSegment & { speed: number } {
  return s.speed !== undefined && !s.behind && s.estimated !== true
}

export type WorkAssignment =
  | { kind: 'gap'; range: ByteRange }
  | {
      kind: 'split'
      range: ByteRange
      victimId: number
      victimEnd: number
      keepFraction: number
      /** Neither side is shorter (`minSplit`, or less in the endgame: endgameSplit). */
      floor: number
    }
  | { kind: 'steal'; range: ByteRange; victimId: number }
  | { kind: 'none' }
  /** The asker is a laggard (cannotWin): whatever it took would end last; it closes. */
  | { kind: 'yield' }

/**
 * Whether a connection that brought `askerSpeed` bytes/s on its last range is a laggard next to
 * the fastest running one (LAGGARD_RATIO times slower): any range it took would be the last to
 * end, so it takes none and closes, leaving the rest, and the end of the file, to the fast ones.
 * A connection whose speed is not known yet, or with no measured connection beside it, may win.
 * The fastest counts those that have ended too (`fastestSeen`): at the end of a file the fast
 * connections are the idle ones.
 * A segment whose reader is behind measures this machine, not its server: it is not compared.
 */
export function cannotWin(
  askerSpeed: number,
  active: readonly ActiveSegment[],
  /** The fastest any connection of this download has been (0: none measured). */
  fastestSeen = 0,
): boolean {
  if (askerSpeed <= 0) return false
  let fastest = fastestSeen
  for (const s of active) if (isMeasured(s) && s.speed > fastest) fastest = s.speed
  return askerSpeed * LAGGARD_RATIO <= fastest
}

/**
 * With speeds known, the victim is the segment that would finish LAST (bytes left / its speed),
 * not merely the biggest, and it keeps the share of what is left that it can fetch in the time
 * the new connection (as fast as it was on its last range, else as the average) needs for the
 * rest — so a slow connection is cut down to a small tail instead of keeping half. Never below
 * `minSplit` on either side. A laggard victim (LAGGARD_RATIO times slower than the asker) does
 * not keep even that: the asker takes its whole rest at once (a steal), rather than leave it a
 * tail of `minSplit` bytes that it would be the last to finish. A laggard asker gets nothing
 * ('yield', see cannotWin), not even a gap: the fast connections take the gaps as they finish.
 */
export function pickWork(
  gaps: readonly ByteRange[],
  active: readonly ActiveSegment[],
  minSplit: number,
  /** Bytes/s the asking connection reached on its last segment (0: unknown). */
  askerSpeed = 0,
  /** False when the download's budget of steals is spent: splits only. */
  mayRob = true,
  /**
   * The fastest any connection of this download has been, bytes/s (0: none measured): what an
   * asker of unknown speed may be, and how fast a laggard is measured against once the fast
   * connections have ended their ranges.
   */
  fastestSeen = 0,
): WorkAssignment {
  if (cannotWin(askerSpeed, active, fastestSeen)) return { kind: 'yield' }
  const gap = gaps.find((g) => g.end > g.start)
  if (gap) return { kind: 'gap', range: { start: gap.start, end: gap.end } }
  const speeds = active.map((s) => s.speed ?? 0).filter((v) => v > 0)
  const known = speeds.length === active.length && speeds.length > 0
  const average = known ? speeds.reduce((a, b) => a + b, 0) / speeds.length : 0
  let victim: ActiveSegment | null = null
  let victimScore = -1
  for (const segment of active) {
    const left = segment.end - segment.pos
    if (left < 2 * minSplit || segment.splittable === false) continue
    const score = known ? timeLeft(segment) : left
    // A segment whose reader is behind is split only when no other can be: its server is
    // already past `pos`, by an unknown amount, and whatever it sent past the cut is wasted.
    const better =
      !victim ||
      (victim.behind && !segment.behind) ||
      (!victim.behind === !segment.behind && score > victimScore)
    if (better) [victim, victimScore] = [segment, score]
  }
  if (!victim) {
    const stolen: WorkAssignment = mayRob
      ? steal(active, Math.max(askerSpeed, fastestSeen))
      : { kind: 'none' }
    return stolen.kind === 'none' ? endgameSplit(active, minSplit, askerSpeed) : stolen
  }
  if (
    mayRob &&
    known &&
    !victim.behind &&
    askerSpeed > 0 &&
    victim.speed! * LAGGARD_RATIO <= askerSpeed
  ) {
    // (victimScore is its time left.) Too little left to be worth a request: split as usual.
    if (victimScore >= MIN_STEAL_SECONDS) {
      return { kind: 'steal', range: { start: victim.pos, end: victim.end }, victimId: victim.id }
    }
  }
  // One whose reader is behind keeps half: its speed is the reader's, not its server's, and
  // the speed-based share would cut it right where its server already is.
  const taker = askerSpeed > 0 ? askerSpeed : average
  const keepFraction =
    known && !victim.behind ? Math.min(0.5, victim.speed! / (victim.speed! + taker)) : 0.5
  return splitAt(victim, minSplit, keepFraction)
}

/**
 * How long a laggard would still need for its rest, s: its rest at its average speed, and at
 * least as long as it has been quiet. Paced in bursts, a 1 MiB/s connection gets a range's first
 * MiB at once and the next byte a second later: on W4 its last 32 KB "needed" 0.03 s at its
 * average while it waited 0.45 s for them with ten fast connections idle (docs/benchmarks.md).
 */
export function timeLeft(segment: ActiveSegment): number {
  const left = segment.end - segment.pos
  return Math.max(left / Math.max(1, segment.speed ?? 0), (segment.quiet ?? 0) / 1000)
}

/**
 * The endgame: the laggard that would finish last gives up the rest of its segment (never one
 * whose reader is behind: its rest is on its way already, and a thief would fetch it again).
 */
function steal(active: readonly ActiveSegment[], askerSpeed: number): WorkAssignment {
  const fastest = Math.max(askerSpeed, ...active.map((s) => s.speed ?? 0))
  let victim: ActiveSegment | null = null
  let victimTime = 0
  for (const segment of active) {
    const left = segment.end - segment.pos
    if (segment.speed === undefined || segment.behind || left <= 0) continue
    if (segment.speed * LAGGARD_RATIO > fastest) continue
    const time = timeLeft(segment)
    if (time >= MIN_STEAL_SECONDS && time > victimTime) [victim, victimTime] = [segment, time]
  }
  if (!victim) return { kind: 'none' }
  return { kind: 'steal', range: { start: victim.pos, end: victim.end }, victimId: victim.id }
}

/**
 * The endgame, when nothing is left to split at `minSplit` and no laggard to rob: the rest that
 * would take longest (at least ENDGAME_SPLIT_SECONDS at its connection's speed) is split down
 * to `endgameFloor`. The victim keeps its speed's share against the asker's, so both end
 * together (half against an asker of unknown speed); a split costs the victim nothing, it just
 * stops earlier. Never a segment whose reader is behind (its rest is on its way already: its
 * server is past `pos` by up to a socket buffer, and at these sizes that may be all of it), nor
 * one of unknown speed (how long it needs is unknown), nor one its owner keeps whole.
 */
export function endgameSplit(
  active: readonly ActiveSegment[],
  minSplit: number,
  askerSpeed: number,
): WorkAssignment {
  const floor = endgameFloor(minSplit)
  let victim: ActiveSegment | null = null
  let victimTime = 0
  for (const s of active) {
    const left = s.end - s.pos
    if (!s.speed || s.behind || s.splittable === false || left < 2 * floor) continue
    const time = left / s.speed
    if (time >= ENDGAME_SPLIT_SECONDS && time > victimTime) [victim, victimTime] = [s, time]
  }
  if (!victim) return { kind: 'none' }
  const keepFraction = askerSpeed > 0 ? victim.speed! / (victim.speed! + askerSpeed) : 0.5
  return splitAt(victim, floor, keepFraction)
}

/** The smallest piece of an endgame split: ENDGAME_MIN_SPLIT, or `minSplit` when smaller. */
export function endgameFloor(minSplit: number): number {
  return Math.min(minSplit, ENDGAME_MIN_SPLIT)
}

/**
 * Whether a split is the endgame's (smaller than `minSplit`): for a connection that is idle
 * already, never a reason to open one.
 */
export function isEndgameSplit(work: WorkAssignment, minSplit: number): boolean {
  return work.kind === 'split' && work.floor < minSplit
}

/** The split of `victim`'s rest that leaves it `keepFraction` (cut as `cutPoint` says). */
export function splitAt(
  victim: Pick<ActiveSegment, 'id' | 'pos' | 'end'>,
  minSplit: number,
  keepFraction: number,
): WorkAssignment {
  const cut = cutPoint(victim.pos, victim.end, minSplit, keepFraction)
  return {
    kind: 'split',
    range: { start: cut, end: victim.end },
    victimId: victim.id,
    victimEnd: cut,
    keepFraction,
    floor: minSplit,
  }
}

/** Where a split cuts `[pos, end)`: the victim keeps `keepFraction` of it, and each side >= minSplit. */
export function cutPoint(pos: number, end: number, minSplit: number, keepFraction: number): number {
  const keep = Math.max(minSplit, Math.ceil((end - pos) * keepFraction))
  return Math.min(pos + keep, end - minSplit)
}

/**
 * A range for a connection read on the scheduler thread while no worker is up, cut to a fair
 * share of the file (`size / maxConnections`), not less than minSplit. That thread also runs the
 * beat, checkpoints and the engine's protocol, so its connections read in spurts and their
 * servers run ahead of them by up to a socket buffer's worth: a long segment kept there is
 * split later while its server is megabytes past the cut — all fetched twice. Cut short, the
 * connection asks again after it, on a worker once one is up. Shorter than a fair share, each
 * connection asks again several times before a worker is up (each a new request and round
 * trip: docs/benchmarks.md, "Figures behind the engine's comments"), and a segment of its share
 * is rarely split before it ends.
 */
export function boundHere(
  range: ByteRange,
  size: number,
  maxConnections: number,
  minSplit: number,
): ByteRange {
  const share = Math.ceil(size / Math.max(1, maxConnections))
  const bound = Math.max(minSplit, share)
  return { start: range.start, end: Math.min(range.end, range.start + bound) }
}
