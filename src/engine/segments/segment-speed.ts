/**
 * How fast a segment's connection is, as the planner's laggard and endgame rules need it.
 * Pure; property-tested together with the planner (segment-planner.test.ts).
 */

/** An average over less than this (ms) of flowing bytes says nothing yet. */
export const MEASURE_AFTER_MS = 100
/**
 * A connection that delivered bytes and then nothing for this long (and is at least this old)
 * counts as speed 0, whatever its average: it is waiting, maybe for a server's next burst.
 */
export const SILENT_MS = 200

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
): number | undefined {
  if (pos !== progress.lastPos) {
    progress.flowing ??= { pos, at: now }
    progress.lastPos = pos
    progress.movedAt = now
  }
  return speedOf(progress, pos, now)
}

/**
 * The segment's speed in bytes/s: the average since its bytes started flowing, 0 when it has
 * gone silent since, or undefined while unknown.
 *
 * A connection that has not received its first byte has no speed, however long it waits:
 * connecting, sending the request and the server's time to first byte take one to several
 * round trips, and on a loaded machine or a long route easily more than SILENT_MS. Calling
 * it 0 made it a steal or replacement victim, and its whole rest — exactly the range it had
 * just asked for — went to a fresh connection that then waited as long and lost the same range
 * in turn, until the attempt's steal budget was spent (a resume of 6 ranges made ~70
 * requests). For the same reason the average leaves that wait out: counted in, every young
 * connection looked several times slower than the old ones and became a laggard. A connection
 * that never starts is the connect and headers timeouts' to judge.
 */
export function speedOf(progress: SegmentProgress, pos: number, now: number): number | undefined {
  const flowing = progress.flowing
  if (!flowing) return undefined
  if (now - progress.movedAt >= SILENT_MS) return 0
  const measured = now - flowing.at
  const fetched = pos - flowing.pos
  return measured >= MEASURE_AFTER_MS && fetched > 0 ? (fetched * 1000) / measured : undefined
}
