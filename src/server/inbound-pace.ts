/**
 * Hands a socket's incoming messages to their handler one per turn of the event loop, in
 * order. `ws` emits every message of a chunk read from the socket back to back, in one
 * callback: a window that sends a 10,000-URL list as ten calls of 1,000 had all ten added,
 * announced and answered before the loop got back to the first downloads' connections (the
 * first byte came after the whole list instead of after its first part). Between two messages
 * here the loop runs its I/O: connections started by one call make progress before the next.
 */
export class InboundPace<T> {
  #queue: T[] = []
  #head = 0
  #scheduled = false
  #handle: (item: T) => void
  #schedule: (task: () => void) => void

  constructor(
    handle: (item: T) => void,
    schedule: (task: () => void) => void = (task) => setImmediate(task),
  ) {
    this.#handle = handle
    this.#schedule = schedule
  }

  push(item: T): void {
    this.#queue.push(item)
    if (this.#scheduled) return
    this.#scheduled = true
    this.#schedule(() => this.#next())
  }

  /** Drops what has not been handled yet (the socket closed). */
  clear(): void {
    this.#queue = []
    this.#head = 0
  }

  #next(): void {
    if (this.#head >= this.#queue.length) {
      this.#scheduled = false
      return
    }
    const item = this.#queue[this.#head]!
    this.#queue[this.#head++] = undefined as T
    if (this.#head === this.#queue.length) {
      this.#queue = []
      this.#head = 0
    }
    try {
      this.#handle(item)
    } finally {
      if (this.#queue.length > this.#head) this.#schedule(() => this.#next())
      else this.#scheduled = false
    }
  }
}
