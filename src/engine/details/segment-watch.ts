import type { SegmentMap } from '../../shared/protocol/details.ts'

/**
 * Which downloads someone watches the connection map of, counted per watcher: the RPC layer
 * watches once per client and id, so a closing client's release cannot end another client's
 * view. Maps are only built for watched downloads, and a map equal to the last one sent is not
 * sent again (a download waiting to retry costs nothing on the wire).
 */
export class SegmentWatch {
  #counts = new Map<string, number>()
  #lastSent = new Map<string, string>()

  watch(id: string): void {
    this.#counts.set(id, (this.#counts.get(id) ?? 0) + 1)
    // A new watcher needs the next beat even if nothing changed.
    this.#lastSent.delete(id)
  }

  unwatch(id: string): void {
    const n = this.#counts.get(id)
    if (n === undefined) return
    if (n > 1) this.#counts.set(id, n - 1)
    else this.forget(id)
  }

  forget(id: string): void {
    this.#counts.delete(id)
    this.#lastSent.delete(id)
  }

  watchers(id: string): number {
    return this.#counts.get(id) ?? 0
  }

  get size(): number {
    return this.#counts.size
  }

  /** The maps of watched downloads that changed since last sent (`mapOf` null = not running). */
  changed(mapOf: (id: string) => SegmentMap | null): SegmentMap[] {
    const items: SegmentMap[] = []
    for (const id of this.#counts.keys()) {
      const map = mapOf(id)
      if (!map) continue
      const key = JSON.stringify(map)
      if (this.#lastSent.get(id) === key) continue
      this.#lastSent.set(id, key)
      items.push(map)
    }
    return items
  }
}
