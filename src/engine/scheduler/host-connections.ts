/**
 * Open connections per host, held against `maxConnectionsPerHost` (read at each question, so a
 * settings change applies to the next connection). A download's first connection is counted
 * when it starts (the pump asks `atCap` before starting one); a transfer's extra connections
 * only while the host is under its cap; each is given back when it closes. One counter for both,
 * so downloads and their extra connections share the host's allowance.
 */
export class HostConnections {
  #open = new Map<string, number>()
  #cap: () => number

  constructor(cap: () => number) {
    this.#cap = cap
  }

  /** Open connections to `host`. */
  count(host: string): number {
    return this.#open.get(host) ?? 0
  }

  /** True when `host` has all the connections it may have: a waiting download keeps waiting. */
  atCap(host: string): boolean {
    return this.count(host) >= this.#cap()
  }

  /** Counts a download's first connection (the caller checked `atCap`). */
  take(host: string): void {
    this.#open.set(host, this.count(host) + 1)
  }

  /** Counts an extra connection if the host is under its cap; false (nothing counted) if not. */
  tryTake(host: string): boolean {
    if (this.atCap(host)) return false
    this.take(host)
    return true
  }

  /** A connection to `host` closed. */
  give(host: string): void {
    this.#open.set(host, (this.#open.get(host) ?? 1) - 1)
  }
}
