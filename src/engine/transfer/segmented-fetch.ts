import { DownpourError, ERROR_CODES } from '../../shared/protocol/errors.ts'
import { addRange, subtractRange, type ByteRange } from '../segments/byte-ranges.ts'
import { pickWork, type ActiveSegment } from '../segments/segment-planner.ts'
import type { SharedStats, SlotAllocator } from '../stats/shared-stats.ts'
import type { PartFile } from '../storage/part-file.ts'
import type { Dispatcher } from 'undici'
import type { OpenResponse } from './open-response.ts'
import { openRange, type RangeRequest } from './open-range.ts'
import { streamBody } from './stream-body.ts'
import type { TransferPool } from './transfer-pool.ts'

/** How often the connection count is reconsidered (slow start), ms. */
const RAMP_INTERVAL_MS = 150
/** Fast connections: more of them only while each doubling still raises throughput this much. */
const RAMP_GAIN = 1.15
/**
 * Below this speed per connection the link (or a server cap) limits each connection, not our
 * CPU: opening more is cheap and usually pays, so slow start goes on to the maximum. (A
 * comparison of two noisy 150 ms windows alone stops too early when connections differ in
 * speed, e.g. half of them capped at 1 MiB/s.)
 */
const SLOW_CONNECTION_BYTES_PER_S = 48 * 1024 * 1024

export type SegmentedFetchOptions = {
  /** The part file as the scheduler thread holds it (for its own connections). */
  part: PartFile
  /** Bytes nobody holds yet, besides the first response's range. */
  gaps: ByteRange[]
  /** The response already open (the probe) and the range we want from it. */
  first: { response: OpenResponse; range: ByteRange }
  /** Whether more connections may be opened (ranges supported, size known). */
  segmentable: boolean
  /** What extra connections ask for (URL, headers, validator, size); the range is theirs. */
  request: Omit<RangeRequest, 'range'>
  maxConnections: () => number
  minSplit: () => number
  shared: { stats: SharedStats; segmentSlots: SlotAllocator; pool: TransferPool | null }
  downloadSlot: number
  /** For extra connections run on this thread (when there is no pool). */
  dispatcher: Dispatcher
  /** Asks for a connection slot on the host (per-host cap across downloads). */
  acquireSlot: () => boolean
  releaseSlot: () => void
  signal: AbortSignal
  timeoutMs: number
  lowestSpeed: number
  throttle?: (bytes: number) => Promise<void> | null
  /** Connection count changed (for the UI). */
  onConnections(count: number): void
  /** A server answered a helper connection with 429/503: fewer connections from now on. */
  isBackoffSignal(error: unknown): boolean
  /** Tells the download's log why connections ended or splitting stopped. */
  log(message: string): void
}

type Exchange = { response: OpenResponse; segment: number }

/**
 * Fetches every missing byte of a download over up to N connections. Starts with the probe's
 * connection (on this thread) and opens more progressively on the transfer pool's worker
 * threads (1, 2, 4, 8, … while throughput keeps rising, like Gopeed's slow start), so the
 * defaults are already the fast settings and an uncapped link does not waste CPU on
 * connections that add nothing. Segment bounds live in SharedStats: a connection that finishes
 * takes a gap or splits the largest remaining segment under that segment's lock, and the
 * victim (on whatever thread) stops exactly there. A connection that fails hands its remainder
 * back. Resolves when nothing is missing; rejects with the last error when every connection
 * died with work left.
 */
export class SegmentedFetch {
  #o: SegmentedFetchOptions
  #stats: SharedStats
  #gaps: ByteRange[]
  /** Segment slots in use by this download. */
  #active = new Set<number>()
  #live = 0
  #target = 1
  #ramping = true
  #segmentable: boolean
  #lastError: unknown = null
  #lastBytes = 0
  #lastRate = 0
  #loops = new Set<Promise<void>>()
  #abort = new AbortController()
  #speeds = new Map<number, { pos: number; at: number; speed: number }>()

  constructor(options: SegmentedFetchOptions) {
    this.#o = options
    this.#stats = options.shared.stats
    this.#gaps = options.gaps
    this.#segmentable = options.segmentable
  }

  async run(): Promise<void> {
    const signal = AbortSignal.any([this.#o.signal, this.#abort.signal])
    const first = this.#claim(this.#o.first.range)
    this.#lastBytes = this.#stats.downloadBytes(this.#o.downloadSlot)
    this.#spawn(signal, { response: this.#o.first.response, segment: first }, false)
    // Worker threads take a moment to start: have them ready by the first ramp-up.
    if (this.#segmentable && this.#o.maxConnections() > 1) this.#o.shared.pool?.warm()
    const ramp = setInterval(() => this.#rampUp(signal), RAMP_INTERVAL_MS)
    try {
      while (this.#loops.size > 0) await Promise.race(this.#loops)
    } finally {
      clearInterval(ramp)
      this.#abort.abort()
      for (const slot of this.#active) this.#o.shared.segmentSlots.give(slot)
      this.#active.clear()
    }
    if (this.#o.signal.aborted) throw this.#o.signal.reason
    if (this.#gaps.length > 0) {
      throw (
        this.#lastError ??
        new DownpourError(ERROR_CODES.network, 'all connections ended early', { retryable: true })
      )
    }
  }

  #segments(): ActiveSegment[] {
    return [...this.#active].map((slot) => {
      const s = this.#stats.readSegment(slot)
      const speed = this.#speeds.get(slot)?.speed
      return speed
        ? { id: slot, pos: s.pos, end: s.end, speed }
        : { id: slot, pos: s.pos, end: s.end }
    })
  }

  /** Samples each segment's position on the ramp beat: per-connection speeds for the planner. */
  #sampleSpeeds(): void {
    const now = performance.now()
    for (const slot of this.#active) {
      const { pos } = this.#stats.readSegment(slot)
      const last = this.#speeds.get(slot)
      if (!last) {
        this.#speeds.set(slot, { pos, at: now, speed: 0 })
        continue
      }
      const instant = ((pos - last.pos) * 1000) / Math.max(1, now - last.at)
      last.speed = last.speed === 0 ? instant : 0.5 * last.speed + 0.5 * instant
      last.pos = pos
      last.at = now
    }
  }

  #rampUp(signal: AbortSignal): void {
    const bytes = this.#stats.downloadBytes(this.#o.downloadSlot)
    const rate = bytes - this.#lastBytes
    this.#lastBytes = bytes
    this.#sampleSpeeds()
    if (!this.#segmentable || signal.aborted) return
    if (this.#ramping && this.#live >= this.#target) {
      const perConnection = (rate * 1000) / RAMP_INTERVAL_MS / Math.max(1, this.#live)
      if (
        this.#lastRate === 0 ||
        rate >= this.#lastRate * RAMP_GAIN ||
        perConnection < SLOW_CONNECTION_BYTES_PER_S
      ) {
        this.#lastRate = rate
        this.#target = Math.min(this.#o.maxConnections(), this.#target * 2)
      } else {
        this.#ramping = false
      }
    }
    this.#target = Math.min(this.#target, this.#o.maxConnections())
    while (this.#live < this.#target) {
      const work = pickWork(this.#gaps, this.#segments(), this.#o.minSplit())
      if (work.kind === 'none' || !this.#o.acquireSlot()) return
      this.#spawn(signal, null, true)
    }
  }

  #spawn(signal: AbortSignal, first: Exchange | null, helper: boolean): void {
    this.#live++
    this.#o.onConnections(this.#live)
    this.#stats.addConnections(this.#o.downloadSlot, 1)
    const loop = (
      helper ? this.#helperConnection(signal) : this.#localConnection(signal, first)
    ).finally(() => {
      this.#live--
      this.#o.onConnections(this.#live)
      this.#stats.addConnections(this.#o.downloadSlot, -1)
      if (helper) this.#o.releaseSlot()
      this.#loops.delete(loop)
    })
    this.#loops.add(loop)
  }

  /** A connection on this thread: the probe's, then whatever work is left. */
  async #localConnection(signal: AbortSignal, first: Exchange | null): Promise<void> {
    let current = first
    for (;;) {
      if (!current) {
        const segment = this.#takeWork()
        if (segment === null) return
        const { pos, end } = this.#stats.readSegment(segment)
        let opened: OpenResponse | 'no-ranges'
        try {
          opened = await openRange(
            this.#o.dispatcher,
            { ...this.#o.request, range: { start: pos, end } },
            signal,
          )
        } catch (error) {
          this.#finishSegment(segment, error)
          return
        }
        if (opened === 'no-ranges') return this.#noRanges(segment)
        current = { response: opened, segment }
      }
      const { response, segment } = current
      try {
        await streamBody(response, {
          part: this.#o.part,
          offset: this.#stats.readSegment(segment).pos,
          claim: (n) => this.#stats.advance(segment, n),
          signal,
          timeoutMs: this.#o.timeoutMs,
          lowestSpeed: this.#o.lowestSpeed,
          throttle: this.#o.throttle,
          onBytes: (n) => this.#stats.addBytes(this.#o.downloadSlot, n),
        })
      } catch (error) {
        this.#finishSegment(segment, error)
        return
      }
      if (!this.#finishSegment(segment, null)) return
      current = null
    }
  }

  /** A connection on a transfer worker thread: segment after segment until none is left. */
  async #helperConnection(signal: AbortSignal): Promise<void> {
    const pool = this.#o.shared.pool
    if (!pool) return this.#localConnection(signal, null)
    for (;;) {
      const segment = this.#takeWork()
      if (segment === null) return
      const { pos, end } = this.#stats.readSegment(segment)
      let outcome: 'done' | 'no-ranges'
      try {
        outcome = await pool.fetch(
          {
            request: { ...this.#o.request, range: { start: pos, end } },
            segment,
            download: this.#o.downloadSlot,
            partPath: this.#o.part.path,
            timeoutMs: this.#o.timeoutMs,
            lowestSpeed: this.#o.lowestSpeed,
          },
          signal,
        )
      } catch (error) {
        this.#finishSegment(segment, error)
        return
      }
      if (outcome === 'no-ranges') return this.#noRanges(segment)
      if (!this.#finishSegment(segment, null)) return
    }
  }

  /**
   * A connection is done with a segment. Complete → free its slot, true. Otherwise the
   * remainder goes back to the gaps for another connection and the error is remembered.
   */
  #finishSegment(segment: number, error: unknown): boolean {
    const { pos, end } = this.#stats.readSegment(segment)
    this.#active.delete(segment)
    this.#speeds.delete(segment)
    this.#o.shared.segmentSlots.give(segment)
    if (pos >= end) return error === null
    this.#gaps = addRange(this.#gaps, { start: pos, end })
    this.#fail(
      error ??
        new DownpourError(
          ERROR_CODES.network,
          `connection closed with ${end - pos} bytes of its segment left`,
          {
            retryable: true,
          },
        ),
    )
    return false
  }

  #noRanges(segment: number): void {
    if (this.#segmentable) {
      this.#o.log(
        'the server answered an extra connection without its range; continuing on the open ones',
      )
    }
    this.#segmentable = false
    this.#finishSegment(segment, null)
  }

  #takeWork(): number | null {
    const minSplit = this.#o.minSplit()
    for (;;) {
      const work = pickWork(this.#gaps, this.#segments(), minSplit)
      if (work.kind === 'none') return null
      if (work.kind === 'gap') return this.#claim(work.range)
      // Re-checked under the victim's lock: it may have advanced since we looked.
      const half = this.#stats.split(work.victimId, minSplit, work.keepFraction)
      if (half) return this.#claim(half, false)
      if (!this.#segments().some((s) => s.end - s.pos >= 2 * minSplit) && this.#gaps.length === 0)
        return null
    }
  }

  #claim(range: ByteRange, fromGaps = true): number {
    if (fromGaps) this.#gaps = subtractRange(this.#gaps, range)
    const slot = this.#o.shared.segmentSlots.take()
    this.#stats.initSegment(slot, this.#o.downloadSlot, range.start, range.end)
    this.#active.add(slot)
    return slot
  }

  #fail(error: unknown): void {
    if (this.#o.signal.aborted) return
    this.#lastError = error
    const reason = error instanceof Error ? error.message : String(error)
    this.#o.log(`a connection ended early (${reason}); its remaining bytes go to the others`)
    this.#stats.countError()
    if (this.#o.isBackoffSignal(error)) {
      // The server asks for fewer connections: halve, and stop growing for this attempt.
      this.#target = Math.max(1, Math.floor(this.#live / 2))
      this.#ramping = false
    }
  }
}
