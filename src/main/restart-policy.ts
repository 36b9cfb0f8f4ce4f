import { backoffDelay, type Backoff } from '../shared/backoff.ts'

export type RestartDecision =
  { action: 'restart'; delayMs: number; attempt: number } | { action: 'give-up'; crashes: number }

export type RestartPolicyOptions = {
  /** Crashes counted within this window, ms. */
  windowMs: number
  /** This many crashes within the window and the engine is not restarted again. */
  maxCrashes: number
  backoff: Backoff
}

export const ENGINE_RESTART_POLICY: RestartPolicyOptions = {
  windowMs: 60_000,
  maxCrashes: 5,
  backoff: { baseMs: 500, maxMs: 4000 },
}

/**
 * When to restart a crashed engine: with backoff (0.5, 1, 2, 4 s) while crashes are rare, and
 * not at all once `maxCrashes` happened within `windowMs` — then something is wrong that a
 * restart will not fix, and the window shows the error with a "Restart engine" action.
 */
export class RestartPolicy {
  #options: RestartPolicyOptions
  #crashes: number[] = []

  constructor(options: RestartPolicyOptions = ENGINE_RESTART_POLICY) {
    this.#options = options
  }

  /** Records a crash at `now` (ms) and says what to do. */
  crashed(now: number): RestartDecision {
    this.#crashes = this.#crashes.filter((at) => now - at < this.#options.windowMs)
    this.#crashes.push(now)
    const count = this.#crashes.length
    if (count >= this.#options.maxCrashes) return { action: 'give-up', crashes: count }
    return {
      action: 'restart',
      attempt: count,
      delayMs: backoffDelay(count, this.#options.backoff),
    }
  }

  /** A person asked for a restart: the count starts over. */
  reset(): void {
    this.#crashes = []
  }
}
