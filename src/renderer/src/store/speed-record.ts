import { SpeedHistory } from '../features/details/speed-history.ts'

/**
 * The last 60 s of speed of every download that moved in that time, sampled on each heartbeat
 * as the beat arrives — whether or not its details panel is open. The panel's graph reads it:
 * opened after a minute of downloading, it shows that minute (a graph that began recording on
 * open showed one sample). Lives with the store, not in the lazily loaded panel, so it records
 * before the panel's code is ever loaded.
 *
 * Cost: one sample per beat per download that moved in the last 60 s (or whose panel is open);
 * a download quiet for a whole window is dropped, so 10,000 queued ones cost nothing.
 */
export class SpeedRecord {
  #histories = new Map<string, SpeedHistory>()
  /** Downloads a graph shows: sampled every beat even while still (their zeros are the graph). */
  #pinned = new Map<string, number>()
  /** When each download last moved (speed > 0). */
  #movedAt = new Map<string, number>()

  /**
   * One heartbeat received at `at`: `moving` are the ids the beat carried (their figures
   * changed); `speedOf` is each download's speed after the beat (undefined: removed).
   */
  beat(at: number, moving: Iterable<string>, speedOf: (id: string) => number | undefined): void {
    for (const id of moving)
      if (!this.#histories.has(id)) this.#histories.set(id, new SpeedHistory())
    for (const [id, history] of this.#histories) {
      const speed = speedOf(id)
      if (speed === undefined) {
        this.#forget(id)
        continue
      }
      if (speed > 0) this.#movedAt.set(id, at)
      const quiet = at - (this.#movedAt.get(id) ?? at) > SpeedHistory.WINDOW_MS
      if (quiet && !this.#pinned.has(id)) {
        this.#forget(id)
        continue
      }
      history.push(at, speed)
    }
  }

  /** A graph of `id` opens: its history (started now with `speed` if it has none). */
  pin(id: string, at: number, speed: number): SpeedHistory {
    this.#pinned.set(id, (this.#pinned.get(id) ?? 0) + 1)
    let history = this.#histories.get(id)
    if (history === undefined) {
      history = new SpeedHistory()
      this.#histories.set(id, history)
    }
    if (history.size === 0) history.push(at, speed)
    return history
  }

  unpin(id: string): void {
    const n = this.#pinned.get(id) ?? 0
    if (n > 1) this.#pinned.set(id, n - 1)
    else this.#pinned.delete(id)
  }

  /** How many downloads have a history kept (for tests of the cost). */
  get size(): number {
    return this.#histories.size
  }

  reset(): void {
    this.#histories.clear()
    this.#pinned.clear()
    this.#movedAt.clear()
  }

  #forget(id: string): void {
    this.#histories.delete(id)
    this.#movedAt.delete(id)
  }
}

/** The window's one record, fed by `applyBeat`. */
export const speedRecord = new SpeedRecord()
