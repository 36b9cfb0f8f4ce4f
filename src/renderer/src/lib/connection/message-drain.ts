import { nextTask } from '../next-task.ts'

/** How long one task may spend handing messages over before the page gets its loop back. */
export const SLICE_MS = 30

export type MessageDrainOptions = {
  sliceMs?: number
  now?: () => number
  /** Runs `task` in a later task of the page's loop (a MessageChannel message by default). */
  schedule?: (task: () => void) => void
}

/**
 * Hands the socket's messages over in arrival order, in slices of about `SLICE_MS`, each slice
 * its own task. Chromium delivers a backlog of WebSocket messages inside one task (bench:ui's
 * trace: one task of 2.2 s holding dozens of `onmessage` calls while Resume all was answered),
 * so a handler that parses and applies each message at once made that one long task: no click,
 * no frame, no heartbeat tick until the whole backlog was in. Here `onmessage` only keeps the
 * text; parsing and applying happen in slices, with input, rendering and timers between them.
 * A single message is never split: its own cost bounds a slice from above.
 */
export class MessageDrain {
  #queue: string[] = []
  #head = 0
  #scheduled = false
  #deliver: (text: string) => void
  #sliceMs: number
  #now: () => number
  #schedule: (task: () => void) => void

  constructor(deliver: (text: string) => void, options: MessageDrainOptions = {}) {
    this.#deliver = deliver
    this.#sliceMs = options.sliceMs ?? SLICE_MS
    this.#now = options.now ?? (() => performance.now())
    this.#schedule = options.schedule ?? nextTask()
  }

  /** Messages received and not yet handed over. */
  get backlog(): number {
    return this.#queue.length - this.#head
  }

  push(text: string): void {
    this.#queue.push(text)
    if (this.#scheduled) return
    this.#scheduled = true
    this.#schedule(() => this.#run())
  }

  #run(): void {
    const start = this.#now()
    try {
      while (this.#head < this.#queue.length) {
        const text = this.#queue[this.#head]!
        this.#queue[this.#head++] = ''
        this.#deliver(text)
        if (this.#now() - start >= this.#sliceMs) break
      }
    } finally {
      if (this.#head === this.#queue.length) {
        this.#queue = []
        this.#head = 0
        this.#scheduled = false
      } else this.#schedule(() => this.#run())
    }
  }
}
