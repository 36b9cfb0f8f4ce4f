/**
 * A token bucket for bandwidth limits: `rate` bytes/s with a burst of a quarter second, so any
 * 5-second window stays within a few percent of the limit. `rate` may change at any time (the
 * user moves a slider while downloads run); 0 means unlimited.
 */
export class TokenBucket {
  #rate: number
  #tokens: number
  #last: number
  #now: () => number

  constructor(rate: number, now: () => number = () => performance.now()) {
    this.#rate = rate
    this.#now = now
    this.#last = now()
    this.#tokens = this.#burst
  }

  get rate(): number {
    return this.#rate
  }

  set rate(rate: number) {
    if (rate === this.#rate) return
    this.#refill()
    this.#rate = rate
    this.#tokens = Math.min(this.#tokens, this.#burst)
  }

  get #burst(): number {
    return Math.max(16 * 1024, this.#rate / 4)
  }

  #refill(): void {
    const now = this.#now()
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#last) / 1000) * this.#rate)
    this.#last = now
  }

  /** Spends `bytes` (possibly going into debt); returns how long to wait before the next read, ms. */
  take(bytes: number): number {
    if (this.#rate <= 0) return 0
    this.#refill()
    this.#tokens -= bytes
    return this.#tokens >= 0 ? 0 : (-this.#tokens / this.#rate) * 1000
  }
}
