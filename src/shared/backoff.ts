/** How long to wait before the next try: doubling from `baseMs`, never more than `maxMs`. */
export type Backoff = { readonly baseMs: number; readonly maxMs: number }

/**
 * Delay before try number `attempt` (1 = the first retry): base, 2×base, 4×base … capped.
 * Used by the desktop shell to restart a crashed engine (0.5, 1, 2, 4 s) and by the browser
 * client to reconnect its WebSocket.
 */
export function backoffDelay(attempt: number, backoff: Backoff): number {
  if (!Number.isFinite(attempt) || attempt < 1) return backoff.baseMs
  const exponent = Math.min(attempt - 1, 30)
  return Math.min(backoff.maxMs, backoff.baseMs * 2 ** exponent)
}
