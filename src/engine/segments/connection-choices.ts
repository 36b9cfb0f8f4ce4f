import type { ByteRange } from './byte-ranges.ts'
import { totalBytes } from './byte-ranges.ts'
import {
  LAGGARD_MIN_AGE_MS,
  PACED_SILENCE_MS,
  pickExtras,
  worthRenewing,
} from './connection-ramp.ts'
import { isMeasured, type ActiveSegment } from './segment-planner.ts'
import {
  isBehind,
  isWatched,
  MEASURE_AFTER_MS,
  observeSpeed,
  quietFor,
  type ReaderState,
  type SegmentProgress,
} from './segment-speed.ts'

/**
 * The choices a segmented download makes about its connections besides the ramp's count
 * (connection-ramp.ts) and where work comes from (segment-planner.ts): whether a connection may
 * take more work or linger for the endgame, which close when the host is shared or a growth is
 * given back, what the probe's whole-file body may read on into, and what a connection error
 * does to the rest. Pure (figures in, a decision out): `SegmentedFetch` reads the shared
 * statistics, asks here, and opens, ends or extends connections as told.
 */

/**
 * A segment as the planner sees it, with how long its connection has held it (ms) and, once its
 * bytes have flowed for LAGGARD_MIN_AGE_MS, its average since its first byte (bytes/s, the
 * wait for it left out: pickLaggards).
 */
export type SegmentView = ActiveSegment & { age: number; average?: number }

/**
 * One active segment as the planner sees it at `now`: its speed only while its reader is
 * watched (a thread that did not run knows nothing recent), and splittable unless it is behind
 * and was halved while behind before (`halvedBehind`): cut again while still behind, the cut
 * would soon fall among bytes its server has sent already. Records the position in `progress`.
 */
export function viewSegment(
  id: number,
  progress: SegmentProgress,
  bounds: { pos: number; end: number },
  reader: ReaderState,
  now: number,
  halvedBehind: boolean,
): SegmentView {
  const age = now - progress.since
  const observed = observeSpeed(progress, bounds.pos, now, reader)
  const watched = isWatched(reader, now)
  const quiet = quietFor(progress, reader)
  const estimate = observed === undefined ? quietSpeed(progress, bounds.pos, age, quiet) : undefined
  const speed = watched ? (observed ?? estimate) : undefined
  const behind = isBehind(reader, now)
  const splittable = !behind || !halvedBehind
  const { pos, end } = bounds
  const flowed = progress.flowing ? now - progress.flowing.at : 0
  const average = flowed >= LAGGARD_MIN_AGE_MS ? ((pos - progress.from) * 1000) / flowed : undefined
  const known = average === undefined ? {} : { average }
  if (speed === undefined) return { id, pos, end, age, behind, splittable, ...known }
  const view = { id, pos, end, speed, age, behind, splittable, quiet, ...known }
  return estimate === undefined ? view : { ...view, estimated: true }
}

/**
 * The speed of a connection whose bytes came and then stopped before they could be measured
 * flowing (speedOf needs MEASURE_AFTER_MS of them): its average since its request, a lower
 * bound, once it has been quiet that long. A server that paces in bursts sends a slow
 * connection's first MiB at once and the next a second later; unmeasured, such a connection
 * could not be robbed until its server counted as silent, and on W4 it held the end of the file
 * for 0.25–0.5 s while fast connections idled (docs/benchmarks.md). While bytes still flow, the
 * wait for the first one is not counted against it (speedOf).
 */
function quietSpeed(
  progress: SegmentProgress,
  pos: number,
  age: number,
  quiet: number,
): number | undefined {
  if (!progress.flowing || quiet < MEASURE_AFTER_MS || age < MEASURE_AFTER_MS) return undefined
  return ((pos - progress.from) * 1000) / age
}

/**
 * The fastest speed seen so far, with this look's segments: only a measured segment whose reader
 * keeps up counts (isMeasured: a reader behind its server measures this machine).
 */
export function fastestSeen(previous: number, segments: readonly ActiveSegment[]): number {
  let fastest = previous
  for (const s of segments) if (isMeasured(s) && s.speed > fastest) fastest = s.speed
  return fastest
}

/**
 * How the connections holding ranges stand with their servers: `waiting`, their range has not
 * brought a byte yet (`pos` still at `start`: while any waits, a beat says nothing about the
 * server's cap), and `paused`, answered and not done but sent nothing for PACED_SILENCE_MS while
 * their readers polled (`quiet`, quietFor): a server pacing in bursts (BeatFigures).
 */
export function countAnswers(
  segments: Iterable<{ start: number; pos: number; end: number; quiet: number }>,
): { waiting: number; paused: number } {
  let waiting = 0
  let paused = 0
  for (const s of segments) {
    if (s.pos === s.start) waiting++
    else if (s.pos < s.end && s.quiet >= PACED_SILENCE_MS) paused++
  }
  return { waiting, paused }
}

/** What a connection may do when it looks for its next range. */
export type WorkGate = {
  /** Segments this download holds now. */
  active: number
  /** Segment slots free over all downloads. */
  freeSlots: number
  /** Slots kept for downloads that may start (one each: MAX_DOWNLOADS). */
  reserve: number
  /** Connections running, and how many the ramp wants. */
  live: number
  target: number
}

/**
 * Whether a connection may take another range. A download holding a connection opens another
 * only while slots are left beyond the reserve (with 1,000 downloads at once, 32 connections
 * each would run out); above the ramp's target (given back, backed off, a laggard not renewed)
 * the connection closes instead.
 */
export function mayTakeWork(g: WorkGate): boolean {
  if (g.active > 0 && g.freeSlots <= g.reserve) return false
  return g.live <= g.target
}

/**
 * Whether an idle connection closes rather than look for work: an extra one (`helper`, not the
 * probe's, whose host slot is the download's own) while the download is past its share of the
 * host.
 */
export function closesOverShare(helper: boolean, overShare: number): boolean {
  return helper && overShare > 0
}

/**
 * Whether an idle extra connection closes because the download runs more connections than the
 * ramp's target (a laggard that yielded and was not renewed, a growth given back, a back-off).
 * mayTakeWork refuses work to every connection while `live > target`; without this the idle
 * ones lingered for the endgame, `live` never fell to the target, and none of them could take a
 * laggard's rest: on W4 18 idle fast connections waited 4 s for seven 1 MiB/s ones (live 19,
 * target 18). One closing is enough: the next look finds `live <= target`.
 */
export function closesOverTarget(helper: boolean, live: number, target: number): boolean {
  return helper && live > target
}

/**
 * Whether an idle connection with nothing to take waits a beat for the endgame (a laggard's
 * rest, a failed connection's range): while others still fetch, unless it is an extra one and
 * another download from the host can use its slot now.
 */
export function mayLinger(helper: boolean, othersActive: boolean, hostShared: boolean): boolean {
  return othersActive && !(helper && hostShared)
}

/**
 * What an idle connection does when its look for work brought no range: it found nothing to
 * take ('none'), or it is a laggard (pickWork's 'yield'). A laggard closes, whatever else holds:
 * lingering, it yielded again at each look and each yield lowered the ramp's target by one more,
 * and the idle connections that then closed over the target were the fast ones (W4 at -x 16
 * ended on slow sockets alone for 1–4 s: docs/benchmarks.md). Otherwise it lingers while it may
 * (mayLinger), and closes when the download stops.
 */
export function afterLook(
  found: 'none' | 'yield',
  f: { stopping: boolean; helper: boolean; othersActive: boolean; hostShared: boolean },
): 'close' | 'linger' {
  if (found === 'yield' || f.stopping) return 'close'
  return mayLinger(f.helper, f.othersActive, f.hostShared) ? 'linger' : 'close'
}

/**
 * Whether a connection that yielded (too slow to win anything) is renewed by a fresh one: while
 * what is left — the gaps and every segment's rest — is worth a new connection at `rate`, or
 * while a gap of `minSplit` or more is left that no connection holds. `rate` is one beat's, and
 * on W4 a beat of reads from socket buffers reads 100–200 MiB/s: "not worth it" by that, four
 * yields in a row took a -x 16 download down to one connection with 7 MiB of gaps unheld
 * (3.8 s instead of 1.2; bench/w4-lab.ts --x 16).
 */
export function renewAfterYield(
  gaps: readonly ByteRange[],
  segments: readonly ActiveSegment[],
  rate: number,
  minSplit: number,
): boolean {
  const unheld = totalBytes(gaps)
  if (unheld >= minSplit) return true
  const left = segments.reduce((n, s) => n + (s.end - s.pos), unheld)
  return worthRenewing(left, rate)
}

/**
 * What a split victim keeps of its rest. One read on the scheduler thread while a pool exists
 * keeps none past minSplit: that thread falls behind its servers as it gets busy, and what a cut
 * wastes is how far the server is ahead when the reader reaches the cut — a reader at a quarter
 * of its server's pace that keeps half of a 24 MB file reaches its cut with its socket buffers
 * full (megabytes on loopback); cut at minSplit it gets there soon, and the rest goes to
 * workers. The probe's response, which runs to the end of the file, is cut only once so.
 */
export function keepOnSplit(readHere: boolean, hasPool: boolean, keepFraction: number): number {
  return readHere && hasPool ? 0 : keepFraction
}

/** A segment's owner as the hand-over sees it. */
export type OwnedSegment = ActiveSegment & {
  /** Its connection is closing already. */
  closing: boolean
  /** The probe's connection: its host slot is the download's own, never handed over. */
  probe: boolean
}

/**
 * Past its share of the host by `overShare` connections: the busy connections to close now,
 * the slowest first (one not measured yet counts as slowest), counting those already closing and
 * the `idle` ones, which close at their next look for work (closesOverShare).
 */
export function pickHandOvers(
  segments: readonly OwnedSegment[],
  overShare: number,
  idle: number,
): number[] {
  let excess = overShare - idle
  if (excess <= 0) return []
  const busy: OwnedSegment[] = []
  for (const s of segments) {
    if (s.probe) continue
    if (s.closing) excess--
    else busy.push(s)
  }
  if (excess <= 0) return []
  return busy
    .sort((a, b) => (a.speed ?? 0) - (b.speed ?? 0))
    .slice(0, excess)
    .map((s) => s.id)
}

/**
 * The last growth brought no more speed: the connections above `target` to close, the slowest
 * first (pickExtras), never the probe's segment (`probe`, -1 when it has ended): on a server
 * without ranges its response may be the only way in.
 */
export function extrasToClose(
  segments: readonly SegmentView[],
  live: number,
  target: number,
  probe: number,
): number[] {
  return pickExtras(
    segments.filter((s) => s.id !== probe),
    live - target,
  )
}

/**
 * The range the probe's whole-file body (it ends at `bodyEnd`) can take on after its segment
 * ending at `end`: the gap that starts there, up to the body's end; null when there is none.
 */
export function rangeAfter(
  gaps: readonly ByteRange[],
  end: number,
  bodyEnd: number,
): ByteRange | null {
  const next = gaps.find((g) => g.start === end)
  if (!next) return null
  const to = Math.min(next.end, bodyEnd)
  return to > end ? { start: end, end: to } : null
}

/** What the probe's body reads on into when its segment ends (readOnTarget). */
export type ReadOn =
  | { kind: 'gap'; range: ByteRange }
  /** The range of a connection that has not received a byte: its request is dropped. */
  | { kind: 'segment'; id: number }
  | { kind: 'none' }

/**
 * The probe's whole-file body reached the end of its segment (`end`) while no extra connection
 * has shown that the server does ranges: it reads on into the range after it — a gap no
 * connection holds, or the range of a connection that has not received a byte — rather than
 * close what may be the only way to those bytes (on a busy machine the extra connections' 200s
 * can come in after the probe's segment ended, and the rest would wait for a retry from zero).
 * Nothing once ranges are proven, past the body's end, or while the download stops (the ranges
 * freed then are not this body's to take).
 */
export function readOnTarget(f: {
  probe: number
  end: number
  bodyEnd: number | undefined
  rangesProven: boolean
  stopping: boolean
  gaps: readonly ByteRange[]
  segments: readonly { id: number; start: number; pos: number }[]
}): ReadOn {
  if (f.rangesProven || f.bodyEnd === undefined || f.stopping || f.end >= f.bodyEnd) {
    return { kind: 'none' }
  }
  const range = rangeAfter(f.gaps, f.end, f.bodyEnd)
  if (range) return { kind: 'gap', range }
  if (f.gaps.some((g) => g.start === f.end)) return { kind: 'none' }
  const next = f.segments.find((s) => s.id !== f.probe && s.start === f.end && s.pos === s.start)
  return next ? { kind: 'segment', id: next.id } : { kind: 'none' }
}

/** What a connection's error does to the download (afterError). */
export type ErrorEffect = 'end-all' | 'back-off' | 'carry-on'

/**
 * A disk error is the file's, not the connection's: every other connection would meet it at
 * its next write, so all end now. A server asking for fewer connections (429/503) halves the
 * count (ConnectionRamp.backOff). Anything else: the others take over the connection's rest.
 */
export function afterError(disk: boolean, backoffSignal: boolean): ErrorEffect {
  if (disk) return 'end-all'
  return backoffSignal ? 'back-off' : 'carry-on'
}

/** How many times one attempt opens a connection after its last one ended (reopensAfterLast). */
export const MAX_REOPENS = 4

/**
 * The last connection of an attempt ended with bytes left (`left`) and no error: the ranges went
 * back on purpose — a mirror dropped with its range, extra connections closed by a give-back
 * while the others, finding no work yet, closed too. A fresh connection takes them, rather than
 * the attempt ending "all connections ended early" and the download retrying (a retry asks
 * every source again). Not after an error (the retry policy judges it), while stopping, on one
 * connection for good (no ranges), or past MAX_REOPENS (the cause keeps ending them).
 */
export function reopensAfterLast(f: {
  left: number
  failed: boolean
  stopping: boolean
  segmentable: boolean
  reopened: number
}): boolean {
  return f.left > 0 && !f.failed && !f.stopping && f.segmentable && f.reopened < MAX_REOPENS
}

/**
 * The speed a connection loop brings to its next range, as the planner judges it (pickWork's
 * askerSpeed: whether it yields, steals or how much a split leaves the victim): what it measured
 * on the range it just ended (`measured`, else its `previous` figure) when that range came over
 * its own socket (`onOwnSocket`, TransferPool.pin), which its next range uses too; 0 (unknown)
 * otherwise. Servers and routes shape per TCP connection, not per request: a range read over the
 * probe's connection or a one-off socket (before a worker was up) says nothing of the socket
 * the loop opens next, and judging it by that made fast loops take work onto slow sockets and
 * slow ones give up sockets that were fast.
 *
 * A range shorter than minSplit (`short`: an endgame split's piece, a short rest stolen) keeps
 * the `previous` figure: servers that shape per request send its first second's worth at once
 * (nginx `limit_rate`, counted in whole seconds, so up to two seconds' worth), and a piece that
 * small came in one burst. Taken as the loop's speed, a 128 KiB/s connection read as MiB/s,
 * and every other connection looked four times slower and yielded (bench/same-host.ts: 6–12
 * yields a run where main had 1–4, one download's count decayed to one connection).
 */
export function speedOnNextRange(
  measured: number | undefined,
  previous: number,
  onOwnSocket: boolean,
  short = false,
): number {
  if (!onOwnSocket) return 0
  if (short) return previous
  return measured ?? previous
}

/**
 * Whether a connection loop's next range goes over the socket its last one came over: only when
 * that range came over its own socket (`onPin`) and ended where it was asked to (`askedEnd`). A
 * range cut short by a split or a steal (its `end` lowered to `finalEnd` while it was read) ends
 * its response early, which closes the socket: the next range opens a fresh one, whose speed is
 * anyone's guess (one of W4's sockets in two is slow).
 */
export function keptSocket(onPin: boolean, askedEnd: number, finalEnd: number): boolean {
  return onPin && finalEnd >= askedEnd
}
