/**
 * How late each heartbeat reaches the page, measured against the engine's own clock: a beat
 * carries the engine's `at`; `receivedAt - at` is the clocks' offset plus the time the beat
 * spent on its way (the socket, the page's queue of messages). The quickest of the recent beats
 * stands for the offset alone, so a beat's delay beyond it is time it waited for the page — not
 * time the engine took. Clocks may differ between hosts (a remote `downpour serve`): only the
 * difference between beats is used.
 */
export class BeatClock {
  #window: number[] = []
  #size: number

  /** `size` beats (~60 s at the engine's 250 ms): long enough to span a long busy spell. */
  constructor(size = 240) {
    this.#size = size
  }

  /** Notes a beat; answers how much later than the quickest recent beat it arrived (ms, ≥ 0). */
  note(at: number, receivedAt: number): number {
    const offset = receivedAt - at
    this.#window.push(offset)
    if (this.#window.length > this.#size) this.#window.shift()
    let quickest = offset
    for (const other of this.#window) if (other < quickest) quickest = other
    return offset - quickest
  }

  /** A new engine (another host, another clock): forget the old beats. */
  reset(): void {
    this.#window = []
  }
}
