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

  /**
   * The engine's clock now, as well as the page can tell: the page's clock less the quickest
   * recent beat's offset (the page's own clock before any beat). For times the engine stamps
   * (a download's last byte), compared with the engine's clock on a host whose clock differs.
   */
  engineNow(pageNow: number): number {
    let quickest: number | null = null
    for (const offset of this.#window) if (quickest === null || offset < quickest) quickest = offset
    return pageNow - (quickest ?? 0)
  }

  /** A new engine (another host, another clock): forget the old beats. */
  reset(): void {
    this.#window = []
  }
}
