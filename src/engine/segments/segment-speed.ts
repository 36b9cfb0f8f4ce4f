/**
 * How fast a segment's connection is, as the planner's laggard and endgame rules need it.
 * Pure; property-tested together with the planner (segment-planner.test.ts).
 */

/** Below this age (ms) an average says nothing yet: it is mostly connection set-up. */
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
}

/** A new segment's progress at `now`: nothing received yet. */
export function startProgress(from: number, now: number): SegmentProgress {
  return { from, since: now, lastPos: from, movedAt: now }
}

/**
 * Records the segment's position at `now` (its connection received up to `pos`) and returns its
 * speed in bytes/s: the average since it started, 0 when it has gone silent, or undefined while
 * unknown.
 *
 * A connection that has not received its first byte has no speed, however long it waits:
 * connecting, sending the request and the server's time to first byte take one to several
 * round trips, and on a loaded machine or a long route easily more than SILENT_MS. Calling
 * it 0 made it a steal or replacement victim, and its whole rest — exactly the range it had
 * just asked for — went to a fresh connection that then waited as long and lost the same range
 * in turn, until the attempt's steal budget was spent (a resume of 6 ranges made ~70
 * requests). A connection that never starts is the connect and headers timeouts' to judge.
 */
export function observeSpeed(
  progress: SegmentProgress,
  pos: number,
  now: number,
): number | undefined {
  if (pos !== progress.lastPos) {
    progress.lastPos = pos
    progress.movedAt = now
  }
  const fetched = pos - progress.from
  if (fetched <= 0) return undefined
  const age = now - progress.since
  if (age >= SILENT_MS && now - progress.movedAt >= SILENT_MS) return 0
  return age >= MEASURE_AFTER_MS ? (fetched * 1000) / age : undefined
}
