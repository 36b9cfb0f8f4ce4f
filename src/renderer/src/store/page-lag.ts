/** A tick later than this (beyond its interval) counts as the page being busy. */
const SLACK_MS = 50

/**
 * Measures the page's own stalls with a ticker: a tick that fires late means the page's loop was
 * busy (a long task, a burst of events) and could not have received a beat meanwhile. The
 * status bar subtracts these stalls from the engine's silence, so the page being busy never
 * reads as the engine being slow.
 */
export class PageLag {
  #stalls: { end: number; ms: number }[] = []
  #last: number | null = null
  #intervalMs: number
  #now: () => number

  constructor(intervalMs = 100, now: () => number = Date.now) {
    this.#intervalMs = intervalMs
    this.#now = now
  }

  /** One tick of the ticker (public so tests drive it with a fake clock). */
  tick(): void {
    const now = this.#now()
    if (this.#last !== null) {
      const late = now - this.#last - this.#intervalMs
      if (late > SLACK_MS) {
        this.#stalls.push({ end: now, ms: late })
        // Only the last minute matters (a beat older than that is dead news anyway).
        while (this.#stalls.length > 0 && this.#stalls[0]!.end < now - 60_000) this.#stalls.shift()
      }
    }
    this.#last = now
  }

  /** Starts the ticker; returns a function that stops it. */
  start(): () => void {
    this.#last = this.#now()
    const timer = setInterval(() => this.tick(), this.#intervalMs)
    return () => {
      clearInterval(timer)
      this.#last = null
    }
  }

  /** How long the page was stalled after `since` (ms). */
  stalledSince(since: number): number {
    let total = 0
    for (const stall of this.#stalls) {
      if (stall.end <= since) continue
      // A stall that began before `since` counts only from then.
      total += Math.min(stall.ms, stall.end - since)
    }
    return total
  }
}

/** The page's ticker, started by the status bar. */
export const pageLag = new PageLag()
