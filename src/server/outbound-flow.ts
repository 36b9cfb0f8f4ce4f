import type { EngineEvents } from '../shared/protocol/events.ts'

type Beat = EngineEvents['progress/beat']

/** Limits on what may wait in one client's send buffer (bytes, as `ws.bufferedAmount`). */
export type FlowBounds = {
  /** Above this, progress beats are merged into one held beat instead of being sent. */
  beat: number
  /** Above this, state events are dropped; the next beat's `revision` shows the client the gap. */
  state: number
  /** Above this, even replies cannot be queued: the client is disconnected. */
  hard: number
}

export const DEFAULT_FLOW_BOUNDS: FlowBounds = {
  beat: 64 * 1024,
  state: 1024 * 1024,
  hard: 8 * 1024 * 1024,
}

export type Offer =
  /** Send these messages now, in order (a held beat may go out before a state event). */
  | { action: 'send'; messages: unknown[] }
  /** Nothing to send now; `drain` will have something once the buffer empties. */
  | { action: 'held' }
  /** Dropped for good: the client learns of it from the revision gap. */
  | { action: 'dropped' }
  | { action: 'close' }

/**
 * What to send to one client whose socket may be slow or not read at all. A client that stops
 * reading must never grow the server's memory: progress beats are coalesced into one (per
 * download, the latest figures win), state events are dropped once too much is waiting (each
 * beat carries the engine's `revision`, so the client sees it missed something and takes a
 * fresh snapshot), and a client that keeps calling without reading its replies is closed.
 * Pure decisions on the buffered byte count, so they are unit-tested without sockets.
 */
export class OutboundFlow {
  #bounds: FlowBounds
  #heldBeat: Beat | null = null
  #heldItems = new Map<string, Beat['items'][number]>()

  constructor(bounds: FlowBounds = DEFAULT_FLOW_BOUNDS) {
    this.#bounds = bounds
  }

  /** Whether a beat is waiting for the buffer to drain. */
  get holding(): boolean {
    return this.#heldBeat !== null
  }

  offer(message: unknown, buffered: number): Offer {
    if (buffered > this.#bounds.hard) return { action: 'close' }
    const event = asEvent(message)
    if (event?.name === 'progress/beat') {
      const beat = event.payload as Beat
      if (buffered > this.#bounds.beat || this.#heldBeat !== null) {
        this.#hold(beat)
        return buffered > this.#bounds.beat
          ? { action: 'held' }
          : { action: 'send', messages: [this.#takeHeld()] }
      }
      return { action: 'send', messages: [message] }
    }
    if (event !== null) {
      if (buffered > this.#bounds.state) return { action: 'dropped' }
      // A held beat is older than this event: it goes first, so revisions never go backwards.
      return { action: 'send', messages: this.#heldBeat ? [this.#takeHeld(), message] : [message] }
    }
    return { action: 'send', messages: [message] }
  }

  /** The held beat once the buffer is below the beat bound, else nothing. */
  drain(buffered: number): unknown | null {
    if (this.#heldBeat === null || buffered > this.#bounds.beat) return null
    return this.#takeHeld()
  }

  #hold(beat: Beat): void {
    for (const item of beat.items) this.#heldItems.set(item.id, item)
    this.#heldBeat = beat
  }

  #takeHeld(): unknown {
    const beat = this.#heldBeat!
    const merged: Beat = { ...beat, items: [...this.#heldItems.values()] }
    this.#heldBeat = null
    this.#heldItems = new Map()
    return { kind: 'event', name: 'progress/beat', payload: merged }
  }
}

function asEvent(message: unknown): { name: string; payload: unknown } | null {
  const m = message as { kind?: unknown; name?: unknown; payload?: unknown } | null
  return m?.kind === 'event' && typeof m.name === 'string'
    ? { name: m.name, payload: m.payload }
    : null
}
