import type { StoreApi } from 'zustand'

type Listener<T> = (state: T, previous: T) => void

/**
 * The least time between two publications of engine changes while they keep coming. The page
 * drains a backlog of messages in slices of ~30 ms (message-drain.ts) and a frame is drawn
 * between most of them, so publishing at every frame would still render about once per slice.
 * Ten renders a second still show the list and the "Catching up" count moving.
 */
export const PUBLISH_GAP_MS = 100

export type PublishGateOptions = {
  gapMs?: number
  now?: () => number
  /** Runs `task` in a task of its own after `ms` (setTimeout); returns a cancel. */
  later?: (task: () => void, ms: number) => () => void
}

/**
 * Holds back the store's notifications for changes the engine's messages made, and publishes
 * them together, in a task of their own, at least `PUBLISH_GAP_MS` after the previous
 * publication (so at most once a frame, too). Not in an animation frame's callback: a render
 * there is drawn into that frame, and publishing at the next frame makes the frames of a
 * scrolled 100,000 queue twice as long at the 95th percentile while its beats are published
 * (bench:ui; docs/benchmarks.md). The state itself changes at once (`getState()` is always
 * current, and every event is applied in order); only the listeners — React's renders, the
 * announcer — hear of it later, once for all the changes in between. A change the engine did
 * not make (a click, a keystroke, a timer) is published at once, with whatever engine changes
 * were waiting.
 *
 * Off until `enable()`: the page turns it on (main.tsx); component tests keep synchronous
 * notifications.
 */
export class PublishGate<T> {
  #listeners = new Set<Listener<T>>()
  #store: StoreApi<T> | null = null
  #enabled = false
  #held = false
  /** The state the listeners last heard of, while changes are waiting (null: none). */
  #since: { state: T } | null = null
  #cancel: (() => void) | null = null
  #lastPublish = -Infinity
  #gapMs = PUBLISH_GAP_MS
  #now: () => number = () => performance.now()
  #later: (task: () => void, ms: number) => () => void = later

  /** The store as its users see it: the same, with notifications going through the gate. */
  wrap(store: StoreApi<T>): StoreApi<T> {
    this.#store = store
    store.subscribe((state, previous) => this.#changed(state, previous))
    return {
      ...store,
      subscribe: (listener) => {
        this.#listeners.add(listener)
        return () => this.#listeners.delete(listener)
      },
    }
  }

  enable(options: PublishGateOptions = {}): void {
    this.#enabled = true
    this.#gapMs = options.gapMs ?? PUBLISH_GAP_MS
    this.#now = options.now ?? (() => performance.now())
    this.#later = options.later ?? later
  }

  /** Back to publishing every change at once (tests), after publishing what waits. */
  disable(): void {
    this.flush()
    this.#enabled = false
  }

  /**
   * Changes until the end of the current task come from the engine: they wait for the next
   * publication. Called by the engine sink before it applies a message; the hold ends in a
   * microtask, when the task's own code (a whole slice of messages) has run.
   */
  holdForTask(): void {
    if (!this.#enabled || this.#held) return
    this.#held = true
    queueMicrotask(() => {
      this.#held = false
      if (this.#since !== null) this.#schedule()
    })
  }

  /** Publishes now whatever waits (a no-op when nothing does). */
  flush(): void {
    if (this.#since === null || this.#store === null) return
    const previous = this.#since.state
    this.#since = null
    this.#cancel?.()
    this.#cancel = null
    this.#publish(this.#store.getState(), previous)
  }

  /** True while engine changes wait to be published. */
  get pending(): boolean {
    return this.#since !== null
  }

  #changed(state: T, previous: T): void {
    if (this.#held) {
      this.#since ??= { state: previous }
      return
    }
    if (this.#since !== null) {
      // Published together with the changes that waited: the listeners compare against what
      // they last heard of.
      previous = this.#since.state
      this.#since = null
      this.#cancel?.()
      this.#cancel = null
    }
    this.#publish(state, previous)
  }

  #schedule(): void {
    if (this.#cancel !== null) return
    const wait = Math.max(0, this.#lastPublish + this.#gapMs - this.#now())
    this.#cancel = this.#later(() => {
      this.#cancel = null
      if (this.#since === null) return
      if (this.#now() - this.#lastPublish < this.#gapMs) this.#schedule()
      else this.flush()
    }, wait)
  }

  #publish(state: T, previous: T): void {
    this.#lastPublish = this.#now()
    for (const listener of [...this.#listeners]) listener(state, previous)
  }
}

function later(task: () => void, ms: number): () => void {
  const timer = setTimeout(task, ms)
  return () => clearTimeout(timer)
}
