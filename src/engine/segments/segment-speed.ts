/**
 * How fast a segment's connection is, as the planner's laggard and endgame rules need it.
 * Pure; property-tested together with the planner (segment-planner.test.ts).
 */

/** An average over less than this (ms) of flowing bytes says nothing yet. */
export const MEASURE_AFTER_MS = 100
/**
 * A connection that delivered bytes and then nothing for this long while its reader kept
 * polling (isSilent) counts as speed 0, whatever its average: it is waiting, maybe for a
 * server's next burst.
 */
export const SILENT_MS = 200

/**
 * What the thread reading the connection says (stats/shared-stats.ts, stats/reader-clock.ts):
 * its event loop has polled its sockets since `polledSince`; it holds the connection back since
 * `heldSince` (0: not held) and last let go at `releasedAt`. Times on the same clock as `now`.
 */
export type ReaderState = {
  polledSince: number
  heldSince: number
  releasedAt: number
  /** When a read from its socket last came back full (0: never): the server was ahead. */
  fullReadAt: number
  /**
   * When a read last came back short after a full read or a hold (0: never): the socket was
   * drained then, the reader had caught up with its server.
   */
  caughtUpAt: number
  /** When its connection's last byte was taken (0: none yet; SharedStats.advance). */
  lastByteAt: number
}

/**
 * Whether the connection's reader is behind its server: it holds the connection back (the disk,
 * a limit) or did within the last SILENT_MS, or a read from its socket came back full in that
 * time — unless a read came back short since (`caughtUpAt`): the socket was drained then. Its
 * speed then measures this machine, not its server, and the bytes past its position are already
 * on their way — in its socket buffers, megabytes on a fast route. It is no laggard, and a
 * split must not cut close to it.
 *
 * A server that sends in bursts fills the socket at each one: nginx's `limit_rate` writes up to
 * 2 MiB at once and then pauses for as long as they should have taken. Its reader drains a
 * burst within milliseconds and waits for the next; without the short read's word it counted as
 * behind for SILENT_MS after every burst, i.e. always, and a segment halved while behind is
 * never split again while behind (viewSegment): on W4 one 16 MiB/s connection kept 20–38 MiB to
 * itself for 1.5 s while 26 idle ones found no work, in one run of three (docs/benchmarks.md).
 */
export function isBehind(reader: ReaderState, now: number): boolean {
  if (reader.heldSince > 0) return true
  const lastSign = Math.max(reader.fullReadAt, reader.releasedAt)
  return lastSign > 0 && lastSign > reader.caughtUpAt && now - lastSign <= SILENT_MS
}

/**
 * Whether the reader's thread has polled its sockets within the last SILENT_MS. If not (it did
 * not run, as on a loaded machine), nothing recent is known about the connection: its speed
 * counts as unknown, so it is neither robbed nor replaced on stale figures.
 */
export function isWatched(reader: ReaderState, now: number): boolean {
  return now - reader.polledSince <= SILENT_MS
}

/** What a segment's connection has shown so far (positions are file offsets, times in ms). */
export type SegmentProgress = {
  /** Where the connection's request started: its first byte. */
  from: number
  /** When the segment was handed to the connection. */
  since: number
  /** The position at the last look, and when it last moved. */
  lastPos: number
  movedAt: number
  /**
   * Where and when its bytes were first seen flowing (null: not yet). Speeds are measured from
   * there: the wait for the first byte says nothing about how fast the bytes then come.
   */
  flowing: { pos: number; at: number } | null
}

/** A new segment's progress at `now`: nothing received yet. */
export function startProgress(from: number, now: number): SegmentProgress {
  return { from, since: now, lastPos: from, movedAt: now, flowing: null }
}

/**
 * Records the segment's position at `now` (its connection received up to `pos`) and returns its
 * speed (speedOf).
 */
export function observeSpeed(
  progress: SegmentProgress,
  pos: number,
  now: number,
  reader: ReaderState,
): number | undefined {
  if (pos !== progress.lastPos) {
    progress.flowing ??= { pos, at: now }
    progress.lastPos = pos
    progress.movedAt = now
  }
  return speedOf(progress, pos, now, reader)
}

/**
 * Whether the server went silent: the connection's bytes stopped, and its reader has polled
 * its sockets for SILENT_MS since (and since it last held the connection back) without any.
 *
 * Not merely "no bytes for SILENT_MS": on a loaded machine the reading thread often does not
 * run for that long, or it holds the connection back while the disk catches up, and meanwhile
 * the server goes on sending into the socket buffers (megabytes on a fast route). Calling that
 * silence made the connection a steal or replacement victim, and everything its server had
 * already sent was fetched again by the thief (docs/benchmarks.md, "Figures behind the
 * engine's comments").
 */
export function isSilent(progress: SegmentProgress, reader: ReaderState): boolean {
  return quietFor(progress, reader) >= SILENT_MS
}

/**
 * How long (ms) the connection's reader has polled its sockets without a byte since its last
 * one (the reader's word, else when the planner saw the position move) and since it last held
 * the connection back: 0 while it holds it. A thread that does not run does not make it grow.
 */
export function quietFor(progress: SegmentProgress, reader: ReaderState): number {
  if (reader.heldSince > 0) return 0
  const lastByte = reader.lastByteAt > 0 ? reader.lastByteAt : progress.movedAt
  return Math.max(0, reader.polledSince - Math.max(lastByte, reader.releasedAt))
}

/**
 * The segment's speed in bytes/s: the average since its bytes started flowing, 0 when its
 * server has gone silent since (isSilent), or undefined while unknown.
 *
 * A connection that has not received its first byte has no speed, however long it waits:
 * connecting, sending the request and the server's time to first byte take one to several
 * round trips, and on a loaded machine or a long route easily more than SILENT_MS. Calling
 * it 0 made it a steal or replacement victim, and its whole rest — exactly the range it had
 * just asked for — went to a fresh connection that then waited as long and lost the same range
 * in turn, until the attempt's steal budget was spent (docs/benchmarks.md, "Figures behind
 * the engine's comments"). For the same reason the average leaves that wait out: counted in,
 * every young connection looked several times slower than the old ones and became a laggard. A
 * connection that never starts is the connect and headers timeouts' to judge.
 */
export function speedOf(
  progress: SegmentProgress,
  pos: number,
  now: number,
  reader: ReaderState,
): number | undefined {
  const flowing = progress.flowing
  if (!flowing) return undefined
  if (isSilent(progress, reader)) return 0
  const measured = now - flowing.at
  const fetched = pos - flowing.pos
  return measured >= MEASURE_AFTER_MS && fetched > 0 ? (fetched * 1000) / measured : undefined
}

/**
 * A segment's speed as its connection finishes it: what that connection would bring to a
 * laggard's rest. Too short to measure from its first byte, the average since it was asked for,
 * wait included, is a lower bound (it can only make steals rarer); undefined while even that is
 * unknown.
 */
export function speedAtEnd(
  progress: SegmentProgress,
  pos: number,
  now: number,
  reader: ReaderState,
): number | undefined {
  const speed = observeSpeed(progress, pos, now, reader)
  if (speed) return speed
  const age = now - progress.since
  return age >= MEASURE_AFTER_MS && pos > progress.from
    ? ((pos - progress.from) * 1000) / age
    : undefined
}
