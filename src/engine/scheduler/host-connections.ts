/**
 * Open connections per host, held against `maxConnectionsPerHost` (read at each question, so a
 * settings change applies to the next connection): the only place that counts them. Each
 * running download has a `HostAccount`: its first connection is counted when it starts, its
 * extra connections only while their host is under its cap, and each is given back when it
 * closes.
 *
 * The fair share (`share`) is the host's cap divided among the downloads running on it,
 * rounded up: one download alone may have every connection, and another download from the
 * same server may start as long as each could keep one (`mayStart`: fewer downloads on the host
 * than its cap), even when the first holds them all. Its first connection then waits (`ready`)
 * until a download past the least share hands an extra connection over — at its next ramp beat,
 * 100 ms — and the slot goes straight to the waiting one: the host never sees one over its cap,
 * not even for an instant (servers ban clients for less; issue 19, defect 8). When it asks for
 * more and is refused below its share, the downloads past theirs give back down to them
 * (`HostAccount.excess`, asked by each transfer at its connection ramp beat and when a
 * connection looks for more work). So connections are handed over and a download never waits
 * for a running one to end, while a download past its share keeps what no other asks for (one
 * in its last range). Start now goes past even that (a download started so counts its first
 * connection whatever the cap: the person asked for it by name).
 *
 * When every download on the host knows its bytes left (`HostAccount.measure`), the share is
 * the cap in proportion to them rather than split evenly, so downloads from one server finish
 * together: each connection brings the same bytes/s (a per-connection cap), and even shares left
 * the first file done early and the later two each in a tail of its own, on ranges too short to
 * split (minSplit), with the host's connections idle (bench/same-host.ts: after the first of
 * three 30 MiB files ended at 14 s, the other two held 22, then 12 of the 32 for 13 s more).
 */
/** How often a first connection waiting at its host's cap asks again: a ramp beat. */
const ADMIT_POLL_MS = 100

export class HostConnections {
  #open = new Map<string, number>()
  /** Running downloads per host (the host of each account's first connection). */
  #downloads = new Map<string, number>()
  /** Per host, the downloads below their share that were refused a connection (see tryTake). */
  #wanting = new Map<string, Set<HostAccount>>()
  /**
   * Per host, downloads started while it was at its cap, in start order: each first connection
   * waits for a slot a running download gives back (see open), which goes to it directly.
   */
  #waitingFirst = new Map<string, HostAccount[]>()
  #cap: () => number
  /** What an account may do to the counts: take under the cap, give back, ask its share. */
  #ledger: Ledger = {
    tryAdd: (host) => {
      // A first connection waiting there goes before any download's extra one.
      if (this.atCap(host) || this.#waitingFirst.has(host)) return false
      bump(this.#open, host, 1)
      return true
    },
    remove: (host) => {
      bump(this.#open, host, -1)
      this.#admitFirst(host)
    },
    admit: (host) => this.#admitFirst(host),
    share: (host, account) => this.share(host, account),
    excess: (host, account, extra, othersWant) => this.excess(host, account, extra, othersWant),
    downloads: (host) => this.downloads(host),
    want: (host, account) => {
      let set = this.#wanting.get(host)
      if (!set) this.#wanting.set(host, (set = new Set()))
      set.add(account)
    },
    unwant: (host, account) => {
      const set = this.#wanting.get(host)
      if (!set?.delete(account) || set.size > 0) return
      this.#wanting.delete(host)
    },
    othersWant: (host, account) => {
      const set = this.#wanting.get(host)
      return set !== undefined && set.size > (set.has(account) ? 1 : 0)
    },
    closed: (host, account) => {
      const queue = this.#waitingFirst.get(host)
      const at = queue?.indexOf(account) ?? -1
      if (at >= 0) {
        queue!.splice(at, 1)
        if (queue!.length === 0) this.#waitingFirst.delete(host)
      }
      bump(this.#downloads, host, -1)
      const set = this.#running.get(host)
      if (set?.delete(account) && set.size === 0) this.#running.delete(host)
    },
  }
  /** Per host, the accounts whose first connection went there (see share). */
  #running = new Map<string, Set<HostAccount>>()

  constructor(cap: () => number) {
    this.#cap = cap
  }

  /** Open connections to `host`, of every download. */
  count(host: string): number {
    return this.#open.get(host) ?? 0
  }

  /** Running downloads whose first connection went to `host`. */
  downloads(host: string): number {
    return this.#downloads.get(host) ?? 0
  }

  /** True when `host` has all the connections it may have: no extra connection opens. */
  atCap(host: string): boolean {
    return this.count(host) >= this.#cap()
  }

  /**
   * The most connections `account` may hold to `host`: the cap divided among the downloads
   * running there, rounded up (`mostPerDownload`), or in proportion to their bytes left when all
   * of them know theirs (`sharesByBytesLeft`); the host's cap keeps the sum within it.
   */
  share(host: string, account?: HostAccount): number {
    const weighted = account && this.#weighted(host, account)
    return weighted ?? mostPerDownload(this.#cap(), this.downloads(host))
  }

  /** What `account` keeps while the host is over its cap (a download just started there). */
  #least(host: string, account: HostAccount): number {
    return this.#weighted(host, account) ?? leastPerDownload(this.#cap(), this.downloads(host))
  }

  /**
   * `account`'s share of `host` by bytes left (sharesByBytesLeft), among the downloads whose
   * first connection went there; null while any of them does not know its size, with one
   * download alone, or for a host that is not `account`'s own (a redirect's).
   */
  #weighted(host: string, account: HostAccount): number | null {
    const running = this.#running.get(host)
    if (!running || running.size < 2 || !running.has(account)) return null
    const left: number[] = []
    let mine = -1
    for (const other of running) {
      const bytes = other.bytesLeft()
      if (bytes === null) return null
      if (other === account) mine = left.length
      left.push(bytes)
    }
    return sharesByBytesLeft(this.#cap(), left)?.[mine] ?? null
  }

  /**
   * Extra connections `account`, `extra` of them its own extras, should give back: those past
   * its share while another download there waits for one, and — while the host is over its cap
   * (a download just started there) — those past the least each keeps, up to what the host is
   * over by.
   */
  excess(host: string, account: HostAccount, extra: number, othersWant: boolean): number {
    if (extra === 0) return 0
    const held = account.count(host)
    const pastShare = othersWant ? held - this.share(host, account) : 0
    const over = this.count(host) + (this.#waitingFirst.get(host)?.length ?? 0) - this.#cap()
    const overCap = Math.min(held - this.#least(host, account), over)
    return Math.max(0, Math.min(extra, Math.max(pastShare, overCap)))
  }

  /**
   * Whether a waiting download to `host` may start now: fewer downloads run there than the cap
   * allows connections, so each, this one too, keeps at least one. The host may be at its cap:
   * the downloads over their share hand an extra connection over.
   */
  mayStart(host: string): boolean {
    return this.downloads(host) < this.#cap()
  }

  /**
   * A download starts (the pump asked `mayStart`): its first connection to `host` is counted at
   * once when the host is under its cap; at the cap it waits (`HostAccount.ready`) for the slot
   * a running download hands over. `force` (Start now) counts it at once whatever the cap: one
   * over, for the download the person asked for. `close()` the account when the run ends.
   */
  open(host: string, options?: { force?: boolean }): HostAccount {
    bump(this.#downloads, host, 1)
    const waits = !options?.force && this.atCap(host)
    if (!waits) bump(this.#open, host, 1)
    const account = new HostAccount(this.#ledger, host, waits)
    let running = this.#running.get(host)
    if (!running) this.#running.set(host, (running = new Set()))
    running.add(account)
    if (waits) {
      const queue = this.#waitingFirst.get(host)
      if (queue) queue.push(account)
      else this.#waitingFirst.set(host, [account])
    }
    return account
  }

  /** A slot freed on `host`: first connections waiting there take it, in start order. */
  #admitFirst(host: string): void {
    const queue = this.#waitingFirst.get(host)
    while (queue && queue.length > 0 && !this.atCap(host)) {
      bump(this.#open, host, 1)
      queue.shift()!.admitted()
    }
    if (queue?.length === 0) this.#waitingFirst.delete(host)
  }
}

/**
 * The most connections each of `downloads` running downloads may hold on a host capped at
 * `cap`: the cap divided among them, rounded up — never more than the cap, never below one. A
 * lone download (or none yet: a redirect's host) may have them all.
 */
export function mostPerDownload(cap: number, downloads: number): number {
  return Math.max(1, Math.ceil(cap / Math.max(1, downloads)))
}

/**
 * What each of them keeps when the host is over its cap (a download just started there): the
 * cap divided among them, rounded down, never below one (its first connection).
 */
export function leastPerDownload(cap: number, downloads: number): number {
  return Math.max(1, Math.floor(cap / Math.max(1, downloads)))
}

/**
 * The cap split among downloads by their bytes `left`: one each, and the rest of the cap in
 * proportion to what each has left, the connections that rounding leaves over to the largest
 * remainders (the earlier download first on a tie), so the shares sum to the cap when it has one
 * for each. (Rounded up each, they summed past the cap, and the first to ask kept a connection
 * a later one's share counted on.) Null when nothing is left to weigh (even shares then).
 */
export function sharesByBytesLeft(cap: number, left: readonly number[]): number[] | null {
  const all = left.reduce((a, b) => a + b, 0)
  if (all <= 0) return null
  const rest = Math.max(0, cap - left.length)
  const exact = left.map((bytes) => (rest * bytes) / all)
  const shares = exact.map((x) => 1 + Math.floor(x))
  let spare = rest - exact.reduce((n, x) => n + Math.floor(x), 0)
  const order = exact
    .map((x, i) => ({ i, fraction: x - Math.floor(x) }))
    .sort((a, b) => b.fraction - a.fraction || a.i - b.i)
  for (const { i } of order) {
    if (spare <= 0) break
    shares[i]!++
    spare--
  }
  return shares
}

function bump(counts: Map<string, number>, host: string, n: number): void {
  const count = (counts.get(host) ?? 0) + n
  if (count > 0) counts.set(host, count)
  else counts.delete(host)
}

type Ledger = {
  tryAdd(host: string): boolean
  remove(host: string): void
  admit(host: string): void
  share(host: string, account: HostAccount): number
  excess(host: string, account: HostAccount, extra: number, othersWant: boolean): number
  downloads(host: string): number
  want(host: string, account: HostAccount): void
  unwant(host: string, account: HostAccount): void
  othersWant(host: string, account: HostAccount): boolean
  closed(host: string, account: HostAccount): void
}

/** What a running download reports of itself for its share (`HostAccount.measure`). */
export type BytesLeft = { bytesLeft(): number | null }

/** One running download's connections, host by host: what it took from `HostConnections`. */
export class HostAccount {
  #hosts: Ledger
  #first: string | null
  /**
   * Extra connections held per host; made at the first one: most downloads (small files) never
   * take one, and an empty Map per running download outlived scavenges (W2's promoted bytes).
   */
  #extra: Map<string, number> | null = null
  /** Hosts where this download waits for a connection below its share (usually none). */
  #wants: Set<string> | null = null
  /** Where its bytes left are read (measure); none: unknown, even shares. */
  #left: BytesLeft | null = null
  /** Until its first connection has a slot (the host was at its cap): what `ready` waits on. */
  #admission: PromiseWithResolvers<void> | null = null

  /**
   * Made by `HostConnections.open`, which has counted the first connection already — or, with
   * `waits`, will when a slot frees (`admitted`).
   */
  constructor(hosts: Ledger, first: string, waits = false) {
    this.#hosts = hosts
    this.#first = first
    if (waits) this.#admission = Promise.withResolvers()
  }

  /**
   * Null when the first connection may open now (nearly always); else a promise that settles
   * when a running download has handed its slot over, or when `signal` aborts (the download
   * stopped while it waited: the caller checks its signal). While it waits the host is asked
   * again each ramp beat: a slot can free with no connection closing (the cap raised).
   */
  ready(signal: AbortSignal): Promise<void> | null {
    const admission = this.#admission
    const host = this.#first
    if (admission === null || host === null) return null
    if (signal.aborted) return Promise.resolve()
    return new Promise((resolve) => {
      const poll = setInterval(() => this.#hosts.admit(host), ADMIT_POLL_MS)
      const done = (): void => {
        clearInterval(poll)
        signal.removeEventListener('abort', done)
        resolve()
      }
      signal.addEventListener('abort', done, { once: true })
      void admission.promise.then(done)
    })
  }

  /** The host counted its first connection (a slot freed): it may open now. */
  admitted(): void {
    this.#admission?.resolve()
    this.#admission = null
  }

  /**
   * Reads the download's bytes left from `left` from now on: while every download on its host
   * does, their shares follow what each has left (HostConnections.share).
   */
  measure(left: BytesLeft): void {
    this.#left = left
  }

  /** The download's bytes left, null when unknown (no size yet, or not measured). */
  bytesLeft(): number | null {
    return this.#left ? this.#left.bytesLeft() : null
  }

  /** Connections this download holds to `host` now (its first one included until `close`). */
  count(host: string): number {
    const first = this.#first === host && this.#admission === null ? 1 : 0
    return first + (this.#extra?.get(host) ?? 0)
  }

  /**
   * One more connection to `host` if the host is under its cap and this download under its
   * fair share there; false (nothing counted) if not.
   */
  tryTake(host: string): boolean {
    if (this.#first === null || this.#admission !== null) return false
    const hosts = this.#hosts
    const below = this.count(host) < hosts.share(host, this)
    // Past its share only while no other download there waits for a connection.
    if (!below && hosts.othersWant(host, this)) return false
    if (!hosts.tryAdd(host)) {
      // Refused below its share: the downloads past theirs give one back (excess).
      if (below) {
        ;(this.#wants ??= new Set()).add(host)
        hosts.want(host, this)
      }
      return false
    }
    const extra = (this.#extra ??= new Map())
    extra.set(host, (extra.get(host) ?? 0) + 1)
    if (this.#wants?.delete(host)) hosts.unwant(host, this)
    return true
  }

  /**
   * Extra connections to `host` this download holds past its fair share (another download from
   * the host started): that many should close, their work going to its other connections.
   */
  excess(host: string): number {
    const extra = this.#extra?.get(host) ?? 0
    if (extra === 0) return 0
    const othersWant = this.#hosts.othersWant(host, this)
    return this.#hosts.excess(host, this, extra, othersWant)
  }

  /**
   * Whether another download on `host` waits for a connection (refused one below its share): an
   * extra connection of this one with no work left gives its slot back rather than wait for a
   * range to steal. With nobody waiting it lingers for the endgame, as a lone download's do:
   * closing at once left each of three files from one server to its own unsplittable tail, with
   * the host's connections unused (bench/same-host.ts).
   */
  shared(host: string): boolean {
    return this.#hosts.othersWant(host, this)
  }

  /** An extra connection to `host` closed. One it never took is not given back (not its own). */
  give(host: string): void {
    const extra = this.#extra
    const held = extra?.get(host) ?? 0
    if (extra === null || held === 0) return
    if (held === 1) extra.delete(host)
    else extra.set(host, held - 1)
    this.#hosts.remove(host)
  }

  /** The download's run ended: its first connection is given back (once). */
  close(): void {
    if (this.#first === null) return
    for (const host of this.#wants ?? []) this.#hosts.unwant(host, this)
    this.#wants = null
    // Never admitted: it held no slot; `closed` takes it out of the line.
    if (this.#admission === null) this.#hosts.remove(this.#first)
    this.#admission?.resolve()
    this.#admission = null
    this.#hosts.closed(this.#first, this)
    this.#first = null
    this.#left = null
  }
}
