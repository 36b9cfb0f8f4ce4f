import { DownpourError, ERROR_CODES } from '../../shared/protocol/errors.ts'
import { addRange, subtractRange, type ByteRange } from '../segments/byte-ranges.ts'
import { pickWork, type ActiveSegment } from '../segments/segment-planner.ts'
import type { PartFile } from '../storage/part-file.ts'
import type { OpenResponse } from './open-response.ts'
import { streamBody } from './stream-body.ts'

/** How often the connection count is reconsidered (slow start), ms. */
const RAMP_INTERVAL_MS = 250
/** Fast connections: more of them only while each doubling still raises throughput this much. */
const RAMP_GAIN = 1.15
/**
 * Below this speed per connection the link (or a server cap) limits each connection, not our
 * CPU: opening more is cheap and usually pays, so slow start goes on to the maximum. (A
 * comparison of two noisy 250 ms windows alone stops too early when connections differ in
 * speed, e.g. half of them capped at 1 MiB/s.)
 */
const SLOW_CONNECTION_BYTES_PER_S = 48 * 1024 * 1024

type Exchange = { response: OpenResponse; segment: ActiveSegment; responseEnd: number }

export type RangeOpener = (
  range: ByteRange,
  signal: AbortSignal,
) => Promise<OpenResponse | 'no-ranges'>

export type SegmentedFetchOptions = {
  part: PartFile
  /** Bytes nobody holds yet, besides the first response's range. */
  gaps: ByteRange[]
  /** The response already open (the probe), the range we want from it, and where its body ends. */
  first: { response: OpenResponse; range: ByteRange; responseEnd: number }
  /** Whether more connections may be opened (ranges supported, size known). */
  segmentable: boolean
  maxConnections: () => number
  minSplit: () => number
  openRange: RangeOpener
  /** Asks for a connection slot on the host (per-host cap across downloads). */
  acquireSlot: () => boolean
  releaseSlot: () => void
  signal: AbortSignal
  timeoutMs: number
  lowestSpeed: number
  onBytes(bytes: number): void
  throttle?: (bytes: number) => Promise<void> | null
  /** Connection count changed (for the UI). */
  onConnections(count: number): void
  /** A server answered a helper connection with 429/503: fewer connections from now on. */
  isBackoffSignal(error: unknown): boolean
}

/**
 * Fetches every missing byte of a download over up to N connections. Starts with the probe's
 * connection and opens more progressively (1, 2, 4, 8, … while throughput keeps rising, like
 * Gopeed's slow start), so the defaults are already the fast settings and an uncapped link does
 * not waste CPU on connections that add nothing. A connection that finishes takes a gap or
 * splits the largest remaining segment; one that fails hands its remainder back. Resolves when
 * nothing is missing; rejects with the last error when every connection died with work left.
 */
export class SegmentedFetch {
  #o: SegmentedFetchOptions
  #gaps: ByteRange[]
  #active = new Map<number, ActiveSegment>()
  #nextId = 1
  #live = 0
  #target = 1
  #ramping = true
  #segmentable: boolean
  #lastError: unknown = null
  #windowBytes = 0
  #lastRate = 0
  #loops = new Set<Promise<void>>()
  #abort = new AbortController()

  constructor(options: SegmentedFetchOptions) {
    this.#o = options
    this.#gaps = options.gaps
    this.#segmentable = options.segmentable
  }

  async run(): Promise<void> {
    const signal = AbortSignal.any([this.#o.signal, this.#abort.signal])
    const first = this.#claim(this.#o.first.range)
    this.#spawn(
      signal,
      { response: this.#o.first.response, segment: first, responseEnd: this.#o.first.responseEnd },
      false,
    )
    const ramp = setInterval(() => this.#rampUp(signal), RAMP_INTERVAL_MS)
    try {
      while (this.#loops.size > 0) await Promise.race(this.#loops)
    } finally {
      clearInterval(ramp)
      this.#abort.abort()
    }
    if (this.#o.signal.aborted) throw this.#o.signal.reason
    if (this.#gaps.length > 0 || this.#active.size > 0) {
      throw (
        this.#lastError ??
        new DownpourError(ERROR_CODES.network, 'all connections ended early', { retryable: true })
      )
    }
  }

  /** Current segments, for the shared statistics and tests. */
  get segments(): ActiveSegment[] {
    return [...this.#active.values()].map((s) => ({ ...s }))
  }

  #rampUp(signal: AbortSignal): void {
    const rate = this.#windowBytes
    this.#windowBytes = 0
    if (!this.#segmentable || signal.aborted) return
    if (this.#ramping && this.#live >= this.#target) {
      const perConnection = (rate * 1000) / RAMP_INTERVAL_MS / Math.max(1, this.#live)
      if (this.#lastRate === 0 || rate >= this.#lastRate * RAMP_GAIN || perConnection < SLOW_CONNECTION_BYTES_PER_S) {
        this.#lastRate = rate
        this.#target = Math.min(this.#o.maxConnections(), this.#target * 2)
      } else {
        this.#ramping = false
      }
    }
    this.#target = Math.min(this.#target, this.#o.maxConnections())
    while (this.#live < this.#target) {
      const work = pickWork(this.#gaps, [...this.#active.values()], this.#o.minSplit())
      if (work.kind === 'none' || !this.#o.acquireSlot()) return
      this.#spawn(signal, null, true)
    }
  }

  #spawn(signal: AbortSignal, first: Exchange | null, helper: boolean): void {
    this.#live++
    this.#o.onConnections(this.#live)
    const loop = this.#connection(signal, first).finally(() => {
      this.#live--
      this.#o.onConnections(this.#live)
      if (helper) this.#o.releaseSlot()
      this.#loops.delete(loop)
    })
    this.#loops.add(loop)
  }

  /** One connection: fetch a segment, then the next piece of work, until none is left. */
  async #connection(signal: AbortSignal, first: Exchange | null): Promise<void> {
    let current = first
    for (;;) {
      if (!current) {
        const segment = this.#takeWork()
        if (!segment) return
        let opened: OpenResponse | 'no-ranges'
        try {
          opened = await this.#o.openRange({ start: segment.pos, end: segment.end }, signal)
        } catch (error) {
          this.#release(segment)
          this.#fail(error)
          return
        }
        if (opened === 'no-ranges') {
          this.#segmentable = false
          this.#release(segment)
          return
        }
        current = { response: opened, segment, responseEnd: segment.end }
      }
      const { response, segment, responseEnd } = current
      try {
        await streamBody(response, {
          part: this.#o.part,
          offset: segment.pos,
          end: () => segment.end,
          responseEnd,
          signal,
          timeoutMs: this.#o.timeoutMs,
          lowestSpeed: this.#o.lowestSpeed,
          throttle: this.#o.throttle,
          onBytes: (n) => {
            segment.pos += n
            this.#windowBytes += n
            this.#o.onBytes(n)
          },
        })
        if (segment.pos < segment.end) {
          throw new DownpourError(
            ERROR_CODES.network,
            `connection closed with ${segment.end - segment.pos} bytes of its segment left`,
            { retryable: true },
          )
        }
        this.#active.delete(segment.id)
        current = null
      } catch (error) {
        this.#release(segment)
        this.#fail(error)
        return
      }
    }
  }

  #takeWork(): ActiveSegment | null {
    const work = pickWork(this.#gaps, [...this.#active.values()], this.#o.minSplit())
    if (work.kind === 'none') return null
    if (work.kind === 'split') {
      const victim = this.#active.get(work.victimId)!
      victim.end = work.victimEnd
      const segment = { id: this.#nextId++, pos: work.range.start, end: work.range.end }
      this.#active.set(segment.id, segment)
      return segment
    }
    return this.#claim(work.range)
  }

  #claim(range: ByteRange): ActiveSegment {
    this.#gaps = subtractRange(this.#gaps, range)
    const segment = { id: this.#nextId++, pos: range.start, end: range.end }
    this.#active.set(segment.id, segment)
    return segment
  }

  /** Hands a segment's unfetched remainder back to the pool. */
  #release(segment: ActiveSegment): void {
    this.#active.delete(segment.id)
    if (segment.pos < segment.end)
      this.#gaps = addRange(this.#gaps, { start: segment.pos, end: segment.end })
  }

  #fail(error: unknown): void {
    if (this.#o.signal.aborted) return
    this.#lastError = error
    if (this.#o.isBackoffSignal(error)) {
      // The server asks for fewer connections: halve, and stop growing for this attempt.
      this.#target = Math.max(1, Math.floor(this.#live / 2))
      this.#ramping = false
    }
  }
}
