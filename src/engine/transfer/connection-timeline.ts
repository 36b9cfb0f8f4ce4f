/** One connection of a segmented download, from its start to its end. Times: ms since the fetch began. */
export type ConnectionEntry = {
  opened: number
  closed: number | null
  /** When its last range ended (finished, cut or robbed): an idle connection lingers after. */
  lastRange: number | null
  /** Bytes it received (its ranges' bytes, as far as it got in each). */
  bytes: number
  /** Ranges it fetched. */
  ranges: number
  /** Laggards' rests it took over. */
  stole: number
  /** Its rest was taken by a faster connection. */
  robbed: boolean
  /** It closed itself as too slow to win anything (segment-planner.ts, cannotWin). */
  yielded: boolean
  /** The host it fetched from, for a download with mirrors. */
  source?: string
  /** Why it closed (see closed()); undefined while open. */
  why?: string
}

/** A mirror the download stopped using, when, and why. */
export type DroppedSource = { at: number; host: string; reason: string }

const MiB = 1024 * 1024

/**
 * Where a segmented download's time went, per connection (bytes, start, end, steals), so its
 * tail can be seen: the download's log gets a summary line at its end (summary()). Keyed by the
 * connection's retire controller, which SegmentedFetch holds for each connection anyway.
 */
export class ConnectionTimeline {
  readonly #start = performance.now()
  readonly #entries = new Map<object, ConnectionEntry>()
  readonly #dropped: DroppedSource[] = []

  #now(): number {
    return performance.now() - this.#start
  }

  opened(connection: object, source?: string): void {
    this.#entries.set(connection, {
      ...(source === undefined ? {} : { source }),
      opened: this.#now(),
      closed: null,
      lastRange: null,
      bytes: 0,
      ranges: 0,
      stole: 0,
      robbed: false,
      yielded: false,
    })
  }

  ranged(connection: object | undefined, bytes: number): void {
    const entry = connection && this.#entries.get(connection)
    if (!entry) return
    entry.bytes += bytes
    entry.ranges++
    entry.lastRange = this.#now()
  }

  stole(thief: object, victim: object | undefined): void {
    const entry = this.#entries.get(thief)
    if (entry) entry.stole++
    const robbed = victim && this.#entries.get(victim)
    if (robbed) robbed.robbed = true
  }

  yielded(connection: object): void {
    const entry = this.#entries.get(connection)
    if (entry) entry.yielded = true
  }

  /** `reason`: why it was ended (its retire signal's reason), null when it ran out of work. */
  closed(connection: object, reason: unknown): void {
    const entry = this.#entries.get(connection)
    if (!entry) return
    entry.closed = this.#now()
    entry.why =
      reason === null ? 'no work left' : reason instanceof Error ? reason.message : String(reason)
  }

  /**
   * One line per connection, in the order they opened: its source, when it opened and closed
   * (s), its bytes, ranges and steals, and why it closed.
   */
  lines(): string[] {
    const s = (ms: number | null): string => (ms === null ? '…' : (ms / 1000).toFixed(2))
    return this.entries().map((e) => {
      const marks = `${e.robbed ? ', robbed' : ''}${e.yielded ? ', yielded' : ''}`
      const from = e.source === undefined ? '' : ` ${e.source}`
      return `connection${from} ${s(e.opened)}–${s(e.closed)} s: ${(e.bytes / MiB).toFixed(2)} MiB in ${e.ranges} ranges, ${e.stole} steals${marks}; closed: ${e.why ?? 'open'}`
    })
  }

  dropped(host: string, reason: string): void {
    this.#dropped.push({ at: this.#now(), host, reason })
  }

  /** The mirrors dropped so far, in order. */
  droppedSources(): readonly DroppedSource[] {
    return this.#dropped
  }

  /** Every connection so far, in the order they opened. */
  entries(): ConnectionEntry[] {
    return [...this.#entries.values()]
  }

  /**
   * One line: how many connections, how many closed as too slow or robbed, and the tail — how
   * long the download went on after its fastest connection's last range ended, and the pace of
   * the connection whose range ended last (bytes over its life until then).
   */
  summary(): string {
    const all = this.entries()
    const end = Math.max(0, ...all.map((e) => e.lastRange ?? 0))
    const rate = (e: ConnectionEntry): number =>
      (e.bytes * 1000) / Math.max(1, (e.lastRange ?? end) - e.opened)
    let fastest: ConnectionEntry | null = null
    let last: ConnectionEntry | null = null
    for (const e of all) {
      if (e.bytes === 0) continue
      if (!fastest || rate(e) > rate(fastest)) fastest = e
      if (!last || (e.lastRange ?? 0) >= (last.lastRange ?? 0)) last = e
    }
    const yielded = all.filter((e) => e.yielded).length
    const robbed = all.filter((e) => e.robbed).length
    const steals = all.reduce((n, e) => n + e.stole, 0)
    const ranges = all.reduce((n, e) => n + e.ranges, 0)
    const tail = fastest ? ((end - (fastest.lastRange ?? end)) / 1000).toFixed(2) : '0.00'
    const lastRate = last ? (rate(last) / MiB).toFixed(1) : '0.0'
    const fastRate = fastest ? (rate(fastest) / MiB).toFixed(1) : '0.0'
    return `connections: ${all.length} over ${(end / 1000).toFixed(2)} s, ${ranges} ranges; ${yielded} closed as too slow, ${robbed} robbed by ${steals} steals; the fastest (${fastRate} MiB/s) ended ${tail} s before the end, the last to end ran at ${lastRate} MiB/s`
  }
}
