/**
 * Smoothed speed from byte counters sampled at a fixed beat: an exponentially weighted moving
 * average, so the figure a person reads is steady but still follows real changes in a second
 * or two. Pure; the heartbeat owns one per download and one overall.
 */
export class SpeedMeter {
  #lastBytes: number | null = null
  #lastAt = 0
  #speed = 0
  readonly halfLifeMs: number

  constructor(halfLifeMs = 1500) {
    this.halfLifeMs = halfLifeMs
  }

  /** Feeds the counter's current value; returns the smoothed bytes/s. */
  sample(bytes: number, at: number): number {
    if (this.#lastBytes === null || bytes < this.#lastBytes) {
      this.#lastBytes = bytes
      this.#lastAt = at
      return this.#speed
    }
    const dt = at - this.#lastAt
    if (dt <= 0) return this.#speed
    const instant = ((bytes - this.#lastBytes) * 1000) / dt
    const alpha = 1 - 0.5 ** (dt / this.halfLifeMs)
    this.#speed = this.#speed === 0 ? instant : this.#speed + alpha * (instant - this.#speed)
    if (this.#speed < 1) this.#speed = 0
    this.#lastBytes = bytes
    this.#lastAt = at
    return this.#speed
  }

  get speed(): number {
    return this.#speed
  }
}

/** Seconds left at `speed`, or null when it cannot be told. */
export function etaSeconds(done: number, size: number | null, speed: number): number | null {
  if (size === null || speed <= 0) return null
  return Math.max(0, Math.ceil((size - done) / speed))
}
