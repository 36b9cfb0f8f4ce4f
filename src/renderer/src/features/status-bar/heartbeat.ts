import type { ConnectionStatus } from '../../../../shared/protocol/connection.ts'

/** After this long without a beat the light turns amber, then red. */
export const LATE_AFTER_MS = 1000
export const DEAD_AFTER_MS = 5000

export type Health = 'connecting' | 'live' | 'late' | 'dead' | 'reconnecting' | 'failed'

/**
 * The engine's health as the status bar shows it: the shell's link status first, then how long
 * ago the last heartbeat arrived. The engine beats even when nothing moves, so silence means
 * something is wrong, and a beat turns it green again by itself.
 */
export function heartbeatHealth(
  status: ConnectionStatus,
  lastBeatAt: number | null,
  now: number,
): Health {
  if (status.kind === 'failed') return 'failed'
  if (status.kind === 'reconnecting') return 'reconnecting'
  if (status.kind === 'connecting' || lastBeatAt === null) return 'connecting'
  const silence = now - lastBeatAt
  if (silence >= DEAD_AFTER_MS) return 'dead'
  if (silence >= LATE_AFTER_MS) return 'late'
  return 'live'
}
