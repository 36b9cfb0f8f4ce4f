import type { DownpourError } from '../../shared/protocol/errors.ts'

/** Upper bound of one backoff wait, so "unlimited tries" still tries every minute. */
export const MAX_BACKOFF_MS = 60_000
/** A server asking for more than this is treated as "come back in an hour", not obeyed blindly. */
export const MAX_RETRY_AFTER_MS = 60 * 60_000

export type RetryDecision = { retry: true; delayMs: number } | { retry: false; reason: string }

/**
 * Whether to try again after `error`, and when. `failuresInARow` counts attempts that failed
 * without delivering a byte since the last one that did, so a long download over a flaky link
 * that keeps making progress never runs out of tries (undici's RetryAgent would).
 * `random` is injectable for tests.
 */
export function decideRetry(options: {
  error: DownpourError
  failuresInARow: number
  maxTries: number
  baseDelayMs: number
  random?: () => number
}): RetryDecision {
  const { error, failuresInARow, maxTries, baseDelayMs } = options
  if (!error.retryable) return { retry: false, reason: 'not retryable' }
  if (maxTries !== 0 && failuresInARow >= maxTries) {
    return { retry: false, reason: `gave up after ${failuresInARow} tries` }
  }
  const backoff = backoffDelay(failuresInARow, baseDelayMs, options.random ?? Math.random)
  if (error.retryAfterMs !== null) {
    // Retry-After is the least a server asks for, and the backoff stays the floor: a server
    // answering `Retry-After: 0` again and again would otherwise be hammered in a tight loop
    // (with unlimited tries, for ever).
    return {
      retry: true,
      delayMs: Math.max(backoff, Math.min(error.retryAfterMs, MAX_RETRY_AFTER_MS)),
    }
  }
  return { retry: true, delayMs: backoff }
}

/** Exponential backoff with "equal jitter": half fixed, half random, so retries spread out. */
export function backoffDelay(failure: number, baseDelayMs: number, random: () => number): number {
  // Exponent capped: 2 ** 1024 is Infinity, and 0 ms × Infinity (retryWaitMs 0) would be NaN.
  const exp = Math.min(MAX_BACKOFF_MS, baseDelayMs * 2 ** Math.min(30, Math.max(0, failure - 1)))
  return Math.round(exp / 2 + (random() * exp) / 2)
}
