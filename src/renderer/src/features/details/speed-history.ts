/**
 * The last 60 s of one download's speed, as a fixed ring of samples (one per beat, at most a
 * beat every 250 ms → 240 slots), kept outside React: the graph reads it when it draws.
 */
export class SpeedHistory {
  static readonly WINDOW_MS = 60_000
  #at = new Float64Array(256)
  #speed = new Float64Array(256)
  #next = 0
  #count = 0

  push(at: number, speed: number): void {
    this.#at[this.#next] = at
    this.#speed[this.#next] = speed
    this.#next = (this.#next + 1) % this.#at.length
    this.#count = Math.min(this.#count + 1, this.#at.length)
  }

  /** Samples within the window ending at `now`, oldest first. */
  samples(now: number): { at: number; speed: number }[] {
    const out: { at: number; speed: number }[] = []
    for (let i = this.#count; i > 0; i--) {
      const k = (this.#next - i + this.#at.length) % this.#at.length
      if (now - this.#at[k]! <= SpeedHistory.WINDOW_MS)
        out.push({ at: this.#at[k]!, speed: this.#speed[k]! })
    }
    return out
  }

  get size(): number {
    return this.#count
  }
}
