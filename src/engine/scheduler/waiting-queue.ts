/** One queued download waiting for a slot: its queue position and host (parsed once). */
export type Waiting = { id: string; position: number; host: string }

/**
 * The queued downloads in queue order, for the pump: a binary min-heap on queue position.
 * Queuing one download or starting the next costs O(log n), so a command on many downloads
 * is one pass and the pump never looks at the whole queue. Entries go stale when their
 * download leaves `queued` (the pump drops them when it meets them); an id is never in the
 * heap twice.
 */
export class WaitingQueue {
  #heap: Waiting[] = []
  #ids = new Set<string>()
  /** Entries per host, for the pump to stop once every host that has some is at its cap. */
  #perHost = new Map<string, number>()

  get size(): number {
    return this.#heap.length
  }

  /** Hosts with at least one entry. */
  get hosts(): number {
    return this.#perHost.size
  }

  entriesFor(host: string): number {
    return this.#perHost.get(host) ?? 0
  }

  has(id: string): boolean {
    return this.#ids.has(id)
  }

  push(entry: Waiting): void {
    if (this.#ids.has(entry.id)) return
    this.#ids.add(entry.id)
    this.#perHost.set(entry.host, (this.#perHost.get(entry.host) ?? 0) + 1)
    const heap = this.#heap
    let i = heap.push(entry) - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (heap[parent]!.position <= entry.position) break
      heap[i] = heap[parent]!
      i = parent
    }
    heap[i] = entry
  }

  /** The entry `pop` would return, left in place. */
  peek(): Waiting | undefined {
    return this.#heap[0]
  }

  pop(): Waiting | undefined {
    const heap = this.#heap
    const top = heap[0]
    if (!top) return undefined
    const last = heap.pop()!
    if (heap.length > 0) {
      heap[0] = last
      this.#siftDown(0)
    }
    this.#ids.delete(top.id)
    const left = (this.#perHost.get(top.host) ?? 1) - 1
    if (left > 0) this.#perHost.set(top.host, left)
    else this.#perHost.delete(top.host)
    return top
  }

  /**
   * The queue was reordered: every entry takes its new position (an entry whose download has
   * none any more is dropped) and the heap is rebuilt bottom-up, O(n) for n entries.
   */
  renumber(positionOf: (id: string) => number | undefined): void {
    const kept: Waiting[] = []
    for (const entry of this.#heap) {
      const position = positionOf(entry.id)
      if (position !== undefined) kept.push({ ...entry, position })
      else {
        this.#ids.delete(entry.id)
        const left = (this.#perHost.get(entry.host) ?? 1) - 1
        if (left > 0) this.#perHost.set(entry.host, left)
        else this.#perHost.delete(entry.host)
      }
    }
    this.#heap = kept
    for (let i = (kept.length >> 1) - 1; i >= 0; i--) this.#siftDown(i)
  }

  #siftDown(from: number): void {
    const heap = this.#heap
    const entry = heap[from]!
    let i = from
    for (;;) {
      const left = 2 * i + 1
      if (left >= heap.length) break
      const right = left + 1
      const child =
        right < heap.length && heap[right]!.position < heap[left]!.position ? right : left
      if (heap[child]!.position >= entry.position) break
      heap[i] = heap[child]!
      i = child
    }
    heap[i] = entry
  }

  clear(): void {
    this.#heap = []
    this.#ids.clear()
    this.#perHost.clear()
  }
}
