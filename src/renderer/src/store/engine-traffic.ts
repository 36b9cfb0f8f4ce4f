/**
 * When the page last took in one of the engine's state events (a change of downloads, a
 * snapshot's part). Downpour serve holds progress beats back while a client's socket is
 * congested (outbound-flow.ts: beats wait once 64 KB are queued, state events go first), so
 * during a bulk change the page hears the engine's events but no beat for a while: the engine
 * is talking, the link is behind. The status bar tells the two apart with this.
 */
export class EngineTraffic {
  #lastEventAt: number | null = null

  /** A state event from the engine was applied at `at` (the page's clock). */
  note(at: number): void {
    this.#lastEventAt = at
  }

  get lastEventAt(): number | null {
    return this.#lastEventAt
  }

  /** A new engine (another link): what the old one sent says nothing of it. */
  reset(): void {
    this.#lastEventAt = null
  }
}

/** The page's one tracker, fed by the store's commits and read by the status bar. */
export const engineTraffic = new EngineTraffic()
