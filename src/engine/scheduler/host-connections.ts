/**
 * Open connections per host, held against `maxConnectionsPerHost` (read at each question, so a
 * settings change applies to the next connection): the only place that counts them. Each
 * running download has a `HostAccount`: its first connection is counted when it starts (the
 * pump asks `mayStart` first; Start now may go one over), its extra connections only while
 * their host is under its cap, and each is given back when it closes. One counter per host for
 * both, so downloads and their extra connections share the host's allowance; the account knows
 * what each download holds, host by host (a redirect can send its extra connections elsewhere).
 */
export class HostConnections {
  #open = new Map<string, number>()
  #cap: () => number
  /** What an account may do to the counts: take under the cap, give back. */
  #ledger: Ledger = {
    tryAdd: (host) => {
      if (this.atCap(host)) return false
      this.#add(host, 1)
      return true
    },
    remove: (host) => this.#add(host, -1),
  }

  constructor(cap: () => number) {
    this.#cap = cap
  }

  /** Open connections to `host`, of every download. */
  count(host: string): number {
    return this.#open.get(host) ?? 0
  }

  /** True when `host` has all the connections it may have: a waiting download keeps waiting. */
  atCap(host: string): boolean {
    return this.count(host) >= this.#cap()
  }

  /** Whether a waiting download to `host` may start now (its host is under its cap). */
  mayStart(host: string): boolean {
    return !this.atCap(host)
  }

  /**
   * A download starts: its first connection to `host` is counted, whatever the cap (the pump
   * asked `mayStart`; Start now goes past the cap by this one). `close()` the account when the
   * download's run ends.
   */
  open(host: string): HostAccount {
    this.#add(host, 1)
    return new HostAccount(this.#ledger, host)
  }

  #add(host: string, n: number): void {
    const count = this.count(host) + n
    if (count > 0) this.#open.set(host, count)
    else this.#open.delete(host)
  }
}

type Ledger = { tryAdd(host: string): boolean; remove(host: string): void }

/** One running download's connections, host by host: what it took from `HostConnections`. */
export class HostAccount {
  #hosts: Ledger
  #first: string | null
  #extra = new Map<string, number>()

  /** Made by `HostConnections.open`, which has counted the first connection already. */
  constructor(hosts: Ledger, first: string) {
    this.#hosts = hosts
    this.#first = first
  }

  /** Connections this download holds to `host` now (its first one included until `close`). */
  count(host: string): number {
    return (this.#first === host ? 1 : 0) + (this.#extra.get(host) ?? 0)
  }

  /** One more connection to `host` if the host is under its cap; false (nothing counted) if not. */
  tryTake(host: string): boolean {
    if (this.#first === null || !this.#hosts.tryAdd(host)) return false
    this.#extra.set(host, (this.#extra.get(host) ?? 0) + 1)
    return true
  }

  /** An extra connection to `host` closed. One it never took is not given back (not its own). */
  give(host: string): void {
    const held = this.#extra.get(host) ?? 0
    if (held === 0) return
    if (held === 1) this.#extra.delete(host)
    else this.#extra.set(host, held - 1)
    this.#hosts.remove(host)
  }

  /** The download's run ended: its first connection is given back (once). */
  close(): void {
    if (this.#first === null) return
    this.#hosts.remove(this.#first)
    this.#first = null
  }
}
