import type { ConnectionStatus } from '../../../../shared/protocol/connection.ts'

/** After this long without a beat the light turns amber, then red. */
export const LATE_AFTER_MS = 1000
export const DEAD_AFTER_MS = 5000

export type Health =
  'connecting' | 'live' | 'catching-up' | 'late' | 'dead' | 'reconnecting' | 'failed'

/** What the page knows of its own part in a beat's lateness (see PageLag and BeatClock). */
export type PageSide = {
  /** How long the page's own loop was blocked since the last beat arrived (ms). */
  readonly stalledMs: number
  /** How much later than the quickest recent beat the last one arrived (ms, engine's `at`). */
  readonly beatDelay: number
  /** Rows or events the page still has to apply (a snapshot in parts, a replayed backlog). */
  readonly backlog: number
  /**
   * When the page last took in a state event from the engine (page clock; see
   * EngineTraffic), or null. Events after the last beat mean the engine is talking and its
   * beats are behind them on the link.
   */
  readonly lastEventAt?: number | null
  /** How long the page's loop was blocked since `lastEventAt` (ms). */
  readonly stalledSinceEventMs?: number
}

const KEEPING_UP: PageSide = { stalledMs: 0, beatDelay: 0, backlog: 0 }

/**
 * The engine's health as the status bar shows it: the shell's link status first, then how long
 * the engine has been silent. The engine beats even when nothing moves, so silence means
 * something is wrong, and a beat turns it green again by itself.
 *
 * Only the engine is accused: time the page's own loop was blocked does not count as the
 * engine's silence (a beat cannot be received while the page is busy), and a beat that arrived
 * late because the page or the socket was behind (its engine-side time is old) says the page is
 * catching up, not that the engine is slow.
 */
export function heartbeatHealth(
  status: ConnectionStatus,
  lastBeatAt: number | null,
  now: number,
  page: PageSide = KEEPING_UP,
): Health {
  if (status.kind === 'failed') return 'failed'
  if (status.kind === 'reconnecting') return 'reconnecting'
  if (status.kind === 'connecting' || lastBeatAt === null) return 'connecting'
  const sinceBeat = now - lastBeatAt - page.stalledMs
  // The engine is silent only when nothing of it arrives: a state event since the last beat
  // was sent by a running engine, and the beats wait behind such events on a congested link
  // (serve holds them back: outbound-flow.ts). The page is catching up, not the engine late.
  const lastEventAt = page.lastEventAt ?? null
  const silence =
    lastEventAt === null || lastEventAt <= lastBeatAt
      ? sinceBeat
      : now - lastEventAt - (page.stalledSinceEventMs ?? 0)
  if (silence >= DEAD_AFTER_MS) return 'dead'
  if (silence >= LATE_AFTER_MS) return 'late'
  if (sinceBeat >= LATE_AFTER_MS || page.beatDelay >= LATE_AFTER_MS || page.backlog > 0)
    return 'catching-up'
  return 'live'
}
