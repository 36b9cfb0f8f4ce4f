/**
 * A tiny mutex on one Int32 slot of a SharedArrayBuffer, usable from every thread (Node allows
 * Atomics.wait on its main thread). 0 = free, 1 = held, 2 = held with waiters (Drepper's
 * "futexes are tricky" mutex #2). Critical sections are a handful of loads and stores:
 * never hold it across an await or an I/O call.
 *
 * Lock order (docs/architecture.md): a thread holds at most one of these at a time.
 */
const FREE = 0
const HELD = 1
const CONTENDED = 2
const SPINS = 64

export function lock(words: Int32Array, index: number): void {
  let c = Atomics.compareExchange(words, index, FREE, HELD)
  if (c === FREE) return
  for (let i = 0; i < SPINS; i++) {
    c = Atomics.compareExchange(words, index, FREE, HELD)
    if (c === FREE) return
  }
  if (c !== CONTENDED) c = Atomics.exchange(words, index, CONTENDED)
  while (c !== FREE) {
    Atomics.wait(words, index, CONTENDED)
    c = Atomics.exchange(words, index, CONTENDED)
  }
}

export function unlock(words: Int32Array, index: number): void {
  if (Atomics.sub(words, index, 1) !== HELD) {
    Atomics.store(words, index, FREE)
    Atomics.notify(words, index, 1)
  }
}

/** Runs `fn` with the lock held. `fn` must be synchronous and short. */
export function withLock<T>(words: Int32Array, index: number, fn: () => T): T {
  lock(words, index)
  try {
    return fn()
  } finally {
    unlock(words, index)
  }
}
