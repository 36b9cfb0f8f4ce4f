// Job: one HTTP exchange of a segmented download's connection — its range fetched on a transfer
// worker over the loop's own socket, or opened and read on this thread while no worker is up (and
// the probe's response, opened before its connection existed) — and the wait, before a request,
// while a bandwidth limit is in debt. SegmentedFetch (the coordinator) decides which range.
import { setTimeout as sleep } from 'node:timers/promises'
import type { ReaderClock } from '../stats/reader-clock.ts'
import type { SharedStats } from '../stats/shared-stats.ts'
import type { Source } from './mirror-sources.ts'
import { openRange, type RangeRequest } from './open-range.ts'
import type { OpenResponse } from './open-response.ts'
import type { SegmentedFetchOptions } from './segmented-fetch-options.ts'
import { streamBody } from './stream-body.ts'
import type { FetchResult, FetchTask } from './transfer-messages.ts'

/** What an exchange reads of its SegmentedFetch. */
export type ExchangeHost = {
  readonly options: SegmentedFetchOptions
  readonly stats: SharedStats
  /** Reports, for connections read on this thread, that it is running. */
  readonly clock: ReaderClock
  /** The request for `source` (a mirror's own URL and headers); the URL's without one. */
  requestFor(source: Source | null): Omit<RangeRequest, 'range'>
  /** Whether `segment` is the probe's (its body may read on past its end: readOn). */
  isFirst(segment: number): boolean
  /** See readOn (first-connection.ts). */
  readOn(segment: number): boolean
  /** An extra connection got a ranged answer from the URL's server. */
  rangesServed(): void
}

/** One exchange to run: the segment, and the response already open for it (the probe's), if any. */
export type ExchangeAsk = {
  segment: number
  opened: OpenResponse | null
  source: Source | null
  /** Its own socket on a worker (TransferPool.pin); undefined: unsegmentable, one exchange. */
  pin: number | undefined
  signal: AbortSignal
  retire: AbortController
}

export class RangeExchanges {
  readonly #h: ExchangeHost
  /** Segments whose connections are read on this thread. */
  readonly #here = new Set<number>()

  constructor(host: ExchangeHost) {
    this.#h = host
  }

  /** Whether `segment`'s connection is read on this thread now. */
  readsHere(segment: number): boolean {
    return this.#here.has(segment)
  }

  /**
   * Runs one exchange: the probe's open response read here; else on a worker once the pool is
   * ready (`onPin`: over the loop's own socket); else opened and read here.
   */
  async run(ask: ExchangeAsk): Promise<{ outcome: FetchResult; onPin: boolean }> {
    const { segment, opened, source, pin, signal, retire } = ask
    const o = this.#h.options
    const pool = o.shared.pool
    const mirror = source !== null && source.index > 0
    if (opened)
      return { outcome: await this.#readHere(opened, segment, signal, retire), onPin: false }
    if (pool?.ready) {
      const outcome = await pool.fetch({ ...this.task(segment, source), pin }, signal)
      return { outcome, onPin: true }
    }
    // Its next exchange will likely run on a worker (its own dispatcher): not kept alive
    // here, where it would idle and count against the server's connection limit.
    const response = await openRange(
      o.dispatcher(),
      this.task(segment, source).request,
      signal,
      pool !== null,
    )
    if (typeof response !== 'string' && !mirror) this.#h.rangesServed()
    const outcome =
      typeof response === 'string'
        ? response
        : await this.#readHere(response, segment, signal, retire)
    return { outcome, onPin: false }
  }

  /**
   * Waits while a bandwidth limit is in debt before a new request: its first bytes arrive
   * unasked (the throttle only holds a connection back after a chunk), so requests opened in
   * debt would each bring a chunk past the limit. False when stopped meanwhile.
   */
  async bandwidthFree(signal: AbortSignal): Promise<boolean> {
    const { stats, options } = this.#h
    for (;;) {
      const wait = stats.debtMs(options.downloadSlot)
      if (wait <= 0) return !signal.aborted
      try {
        await sleep(wait, undefined, { signal })
      } catch {
        return false
      }
    }
  }

  task(segment: number, source: Source | null = null): FetchTask {
    const { stats, options } = this.#h
    const { pos, end } = stats.readSegment(segment)
    return {
      request: { ...this.#h.requestFor(source), range: { start: pos, end } },
      segment,
      download: options.downloadSlot,
      partPath: options.part.path,
      timeoutMs: options.timeoutMs,
      lowestSpeed: options.lowestSpeed,
    }
  }

  /** Reads a response into the segment on this thread. */
  async #readHere(
    response: OpenResponse,
    segment: number,
    signal: AbortSignal,
    retire: AbortController,
  ): Promise<'done'> {
    const { stats, options } = this.#h
    // The probe's response was opened before its connection existed: wire its retirement.
    const onRetire = (): void => response.abort(retire.signal.reason as Error)
    retire.signal.addEventListener('abort', onRetire, { once: true })
    const reader = this.#h.clock.read(segment)
    this.#here.add(segment)
    try {
      await streamBody(response, {
        part: options.part,
        offset: stats.readSegment(segment).pos,
        claim: (n) => {
          const taken = stats.advance(segment, n)
          if (taken === n || !this.#h.isFirst(segment) || !this.#h.readOn(segment)) return taken
          return taken + stats.advance(segment, n - taken)
        },
        signal,
        timeoutMs: options.timeoutMs,
        lowestSpeed: options.lowestSpeed,
        throttle: options.throttle,
        onBytes: (n) => stats.addBytes(options.downloadSlot, n),
        reader,
      })
    } finally {
      reader.stop()
      this.#here.delete(segment)
      retire.signal.removeEventListener('abort', onRetire)
    }
    return 'done'
  }
}
