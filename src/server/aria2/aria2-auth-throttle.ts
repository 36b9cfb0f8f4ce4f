/**
 * The brake on guessing the aria2 secret. aria2 waits about a second before each Unauthorized
 * answer, but per message: one batch of 1,296 guesses, or a few parallel sockets, get them all
 * checked in that second. Here wrong secrets are counted per process, whatever message, batch
 * or socket carried them: the `limit`-th within `windowMs` shuts the door for every secret
 * (the right one too, so a burst of guesses cannot include it) until the lockout ends, and each
 * lockout that follows another without a quiet spell in between lasts twice as long.
 */
export type AuthThrottleOptions = {
  /** Wrong secrets within `windowMs` that start a lockout. Default 10. */
  limit?: number
  /** Default 60 s. */
  windowMs?: number
  /** The first lockout. Default 10 s. */
  baseLockMs?: number
  /** The longest lockout; also the quiet spell after which the next one is short again. Default 10 min. */
  maxLockMs?: number
  /** The clock (tests pass their own). */
  now?: () => number
}

export class AuthThrottle {
  readonly #limit: number
  readonly #windowMs: number
  readonly #baseLockMs: number
  readonly #maxLockMs: number
  readonly #now: () => number
  /** When each wrong secret of the current window arrived (oldest first). */
  #failures: number[] = []
  #lockedUntil = 0
  /** Lockouts in a row: the next lasts baseLockMs × 2^this. */
  #lockouts = 0
  #lastFailure = -Infinity

  constructor(options: AuthThrottleOptions = {}) {
    this.#limit = options.limit ?? 10
    this.#windowMs = options.windowMs ?? 60_000
    this.#baseLockMs = options.baseLockMs ?? 10_000
    this.#maxLockMs = options.maxLockMs ?? 600_000
    this.#now = options.now ?? Date.now
  }

  /** Milliseconds until secrets are checked again; 0 when they are checked now. */
  lockedFor(): number {
    return Math.max(0, this.#lockedUntil - this.#now())
  }

  /** Counts one wrong secret (never called while locked: those are not checked at all). */
  fail(): void {
    const now = this.#now()
    if (now - this.#lastFailure > this.#maxLockMs) this.#lockouts = 0
    this.#lastFailure = now
    this.#failures = this.#failures.filter((t) => now - t < this.#windowMs)
    this.#failures.push(now)
    if (this.#failures.length < this.#limit) return
    const lockMs = Math.min(this.#maxLockMs, this.#baseLockMs * 2 ** this.#lockouts)
    this.#lockouts++
    this.#lockedUntil = now + lockMs
    this.#failures = []
  }
}

/** Shared by every aria2 endpoint of this process: a second port is not a second set of guesses. */
export const processAuthThrottle = new AuthThrottle()
