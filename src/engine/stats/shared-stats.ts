import { lock, unlock } from './atomic-lock.ts'
import { cutPoint } from '../segments/segment-planner.ts'
import type { ReaderState } from '../segments/segment-speed.ts'

/**
 * Live statistics shared by the scheduler thread and the transfer workers, in ONE
 * SharedArrayBuffer:
 *
 *   locks    Int32[1 + MAX_DOWNLOADS + MAX_SEGMENTS]   bucket locks (global, per download), segment locks
 *   counters BigInt64[GLOBAL_COUNTERS + 2 × MAX_DOWNLOADS]   bytes and connections; Atomics.add, never torn
 *   fields   Float64[8 × MAX_SEGMENTS + 3 × (1 + MAX_DOWNLOADS)]   segment bounds and reader state, token buckets; only
 *            read or written with the owning lock held, so a reader never sees a segment's start
 *            and end from two different moments (a split moves both).
 *
 * Lock order: a thread holds at most one lock at a time, never across an await or I/O.
 * Slots are handed out by the scheduler thread only (see SlotAllocator).
 */
/** Downloads running at once, at most (the `maxConcurrentDownloads` setting stops at 1,000). */
export const MAX_DOWNLOADS = 1024
/**
 * Connections at once, over all downloads. `MAX_DOWNLOADS` of them are kept for first
 * connections (see `SlotAllocator.free` in segmented-fetch.ts): a download that starts always
 * gets one; extra connections share the rest.
 */
export const MAX_SEGMENTS = 4096

const GLOBAL_COUNTERS = 8
const C_BYTES = 0
const C_CONNECTIONS = 1
const C_RETRIES = 2
const C_ERRORS = 3
const C_SEGMENTS_USED = 4

const LOCK_GLOBAL_BUCKET = 0
const lockOfDownloadBucket = (dl: number) => 1 + dl
const lockOfSegment = (seg: number) => 1 + MAX_DOWNLOADS + seg

// download slot, pos, end, start; then what its reader says (ReaderState): polled, held,
// released, full read, caught up, last byte
const SEGMENT_FIELDS = 10
const BUCKET_FIELDS = 3 // rate bytes/s, tokens, last refill (ms)
const BUCKETS_BASE = SEGMENT_FIELDS * MAX_SEGMENTS

const LOCK_WORDS = 1 + MAX_DOWNLOADS + MAX_SEGMENTS
const COUNTER_WORDS = GLOBAL_COUNTERS + 2 * MAX_DOWNLOADS
const FIELD_WORDS = BUCKETS_BASE + BUCKET_FIELDS * (1 + MAX_DOWNLOADS)

const LOCKS_BYTES = align8(LOCK_WORDS * 4)
const COUNTERS_BYTES = COUNTER_WORDS * 8
export const SHARED_STATS_BYTES = LOCKS_BYTES + COUNTERS_BYTES + FIELD_WORDS * 8

export type SegmentBounds = { download: number; start: number; pos: number; end: number }

export class SharedStats {
  readonly buffer: SharedArrayBuffer
  #locks: Int32Array
  #counters: BigInt64Array
  #fields: Float64Array

  constructor(buffer = new SharedArrayBuffer(SHARED_STATS_BYTES)) {
    if (buffer.byteLength < SHARED_STATS_BYTES) throw new Error('shared stats buffer too small')
    this.buffer = buffer
    this.#locks = new Int32Array(buffer, 0, LOCK_WORDS)
    this.#counters = new BigInt64Array(buffer, LOCKS_BYTES, COUNTER_WORDS)
    this.#fields = new Float64Array(buffer, LOCKS_BYTES + COUNTERS_BYTES, FIELD_WORDS)
  }

  // ---- counters (lock-free) ----

  /** Bytes received for download slot `dl` (and overall). */
  addBytes(dl: number, bytes: number): void {
    const n = BigInt(bytes)
    Atomics.add(this.#counters, C_BYTES, n)
    Atomics.add(this.#counters, GLOBAL_COUNTERS + dl, n)
  }

  /** Counts into one download only (checksum progress is not network traffic). */
  addToDownload(dl: number, bytes: number): void {
    Atomics.add(this.#counters, GLOBAL_COUNTERS + dl, BigInt(bytes))
  }

  downloadBytes(dl: number): number {
    return Number(Atomics.load(this.#counters, GLOBAL_COUNTERS + dl))
  }

  /** Seeds a slot with the bytes already on disk when a download (re)starts. */
  setDownloadBytes(dl: number, bytes: number): void {
    Atomics.store(this.#counters, GLOBAL_COUNTERS + dl, BigInt(bytes))
  }

  totalBytes(): number {
    return Number(Atomics.load(this.#counters, C_BYTES))
  }

  addConnections(dl: number, delta: number): void {
    Atomics.add(this.#counters, C_CONNECTIONS, BigInt(delta))
    Atomics.add(this.#counters, GLOBAL_COUNTERS + MAX_DOWNLOADS + dl, BigInt(delta))
  }

  downloadConnections(dl: number): number {
    return Number(Atomics.load(this.#counters, GLOBAL_COUNTERS + MAX_DOWNLOADS + dl))
  }

  activeConnections(): number {
    return Number(Atomics.load(this.#counters, C_CONNECTIONS))
  }

  countRetry(): void {
    Atomics.add(this.#counters, C_RETRIES, 1n)
  }

  countError(): void {
    Atomics.add(this.#counters, C_ERRORS, 1n)
  }

  get retries(): number {
    return Number(Atomics.load(this.#counters, C_RETRIES))
  }

  get errors(): number {
    return Number(Atomics.load(this.#counters, C_ERRORS))
  }

  /** High-water mark of segment slots in use (a hint for readers that scan them). */
  get segmentsUsed(): number {
    return Number(Atomics.load(this.#counters, C_SEGMENTS_USED))
  }

  // ---- segments (each under its own lock) ----

  initSegment(seg: number, dl: number, start: number, end: number): void {
    this.#withLock(lockOfSegment(seg), () => {
      const f = seg * SEGMENT_FIELDS
      this.#fields[f] = dl
      this.#fields[f + 1] = start
      this.#fields[f + 2] = end
      this.#fields[f + 3] = start
      this.#fields[f + 4] = 0
      this.#fields[f + 5] = 0
      this.#fields[f + 6] = 0
      this.#fields[f + 7] = 0
      this.#fields[f + 8] = 0
      this.#fields[f + 9] = 0
    })
    const used = BigInt(seg + 1)
    let current = Atomics.load(this.#counters, C_SEGMENTS_USED)
    while (current < used) {
      const seen = Atomics.compareExchange(this.#counters, C_SEGMENTS_USED, current, used)
      if (seen === current) break
      current = seen
    }
  }

  /** A consistent copy of a segment's bounds. */
  readSegment(seg: number): SegmentBounds {
    return this.#withLock(lockOfSegment(seg), () => {
      const f = seg * SEGMENT_FIELDS
      const fl = this.#fields
      return { download: fl[f]!, pos: fl[f + 1]!, end: fl[f + 2]!, start: fl[f + 3]! }
    })
  }

  /**
   * What the thread reading a segment's connection says about it (epoch ms: Date.now() on
   * every thread; see ReaderState and stats/reader-clock.ts).
   */
  readReader(seg: number): ReaderState {
    return this.#withLock(lockOfSegment(seg), () => {
      const f = seg * SEGMENT_FIELDS
      const fl = this.#fields
      return {
        polledSince: fl[f + 4]!,
        heldSince: fl[f + 5]!,
        releasedAt: fl[f + 6]!,
        fullReadAt: fl[f + 7]!,
        caughtUpAt: fl[f + 8]!,
        lastByteAt: fl[f + 9]!,
      }
    })
  }

  /** Reader side: its thread's event loop has polled its sockets since `at` (epoch ms). */
  markPolled(seg: number, at: number): void {
    this.#withLock(lockOfSegment(seg), () => {
      const f = seg * SEGMENT_FIELDS
      this.#fields[f + 4] = Math.max(this.#fields[f + 4]!, at)
    })
  }

  /** Reader side: a read from the connection's socket came back full at `at` (a backlog). */
  markFullRead(seg: number, at: number): void {
    this.#withLock(lockOfSegment(seg), () => {
      this.#fields[seg * SEGMENT_FIELDS + 7] = at
    })
  }

  /**
   * Reader side: a read came back short at `at` after full reads or a hold: the socket is
   * drained, nothing of the server's waits for this reader any more (see isBehind).
   */
  markCaughtUp(seg: number, at: number): void {
    this.#withLock(lockOfSegment(seg), () => {
      this.#fields[seg * SEGMENT_FIELDS + 8] = at
    })
  }

  /** Reader side: it holds the connection back from `at` (held) or lets go at `at`. */
  markHeld(seg: number, held: boolean, at: number): void {
    this.#withLock(lockOfSegment(seg), () => {
      const f = seg * SEGMENT_FIELDS
      if (held) this.#fields[f + 5] = at
      else {
        this.#fields[f + 5] = 0
        this.#fields[f + 6] = at
      }
    })
  }

  /**
   * A connection received `bytes` at the segment's position: accepts what still belongs to the
   * segment (its end may have been lowered by a split meanwhile) and returns how many. Notes
   * when (ReaderState.lastByteAt: the planner's own look comes up to a beat later).
   */
  advance(seg: number, bytes: number): number {
    return this.#withLock(lockOfSegment(seg), () => {
      const f = seg * SEGMENT_FIELDS
      const pos = this.#fields[f + 1]!
      const accepted = Math.max(0, Math.min(bytes, this.#fields[f + 2]! - pos))
      this.#fields[f + 1] = pos + accepted
      if (accepted > 0) this.#fields[f + 9] = Date.now()
      return accepted
    })
  }

  /**
   * Splits a segment: if at least `2 × minSplit` bytes are left, its end drops so that it keeps
   * `keepFraction` of what is left (the middle by default) and the upper part is returned for
   * another connection. Atomic with respect to
   * `advance`, so no byte is ever both kept and given away.
   */
  split(seg: number, minSplit: number, keepFraction = 0.5): { start: number; end: number } | null {
    return this.#withLock(lockOfSegment(seg), () => {
      const f = seg * SEGMENT_FIELDS
      const pos = this.#fields[f + 1]!
      const end = this.#fields[f + 2]!
      if (end - pos < 2 * minSplit) return null
      const cut = cutPoint(pos, end, minSplit, keepFraction)
      this.#fields[f + 2] = cut
      return { start: cut, end }
    })
  }

  /**
   * Gives a segment's connection more to read: its end rises from `from` to `to`, but only
   * while the connection is still reading (`pos < end`; at `pos === end` it may have stopped
   * already). Atomic with respect to `advance`. For a connection whose response goes on past
   * its segment (a whole-file body) when the range after it found no taker. The connection's
   * own reader may extend at `pos === end` (`byReader`): it is the one asking for more.
   */
  extend(seg: number, from: number, to: number, byReader = false): boolean {
    return this.#withLock(lockOfSegment(seg), () => {
      const f = seg * SEGMENT_FIELDS
      if (this.#fields[f + 2] !== from || (!byReader && this.#fields[f + 1]! >= from)) return false
      this.#fields[f + 2] = to
      return true
    })
  }

  /**
   * Takes the whole rest of a segment (a laggard's, for a faster connection) if any is left:
   * its end drops to its position, so its connection stops at the next chunk. Atomic with
   * respect to `advance`, like `split`.
   */
  steal(seg: number): { start: number; end: number } | null {
    return this.#withLock(lockOfSegment(seg), () => {
      const f = seg * SEGMENT_FIELDS
      const pos = this.#fields[f + 1]!
      const end = this.#fields[f + 2]!
      if (end <= pos) return null
      this.#fields[f + 2] = pos
      return { start: pos, end }
    })
  }

  // ---- bandwidth (token buckets, each under its own lock) ----

  /** Sets a limit in bytes/s (0 = none): `dl` = -1 for the global one. Takes effect at once. */
  setRate(dl: number, rate: number): void {
    const b = bucketBase(dl)
    this.#withLock(bucketLock(dl), () => {
      const before = this.#fields[b]!
      if (before === rate) return
      this.#fields[b] = rate
      // A new limit starts with a full burst; a changed one keeps its debt, capped by the burst.
      this.#fields[b + 1] =
        before <= 0 ? burstOf(rate) : Math.min(this.#fields[b + 1]!, burstOf(rate))
      if (before <= 0) this.#fields[b + 2] = 0
    })
  }

  /**
   * Spends `bytes` from the global bucket and from download `dl`'s; returns how long the caller
   * should wait before reading more (ms). Debt is allowed, so limits hold on average.
   */
  take(dl: number, bytes: number, nowMs = performance.timeOrigin + performance.now()): number {
    return Math.max(this.#takeFrom(-1, bytes, nowMs), this.#takeFrom(dl, bytes, nowMs))
  }

  /**
   * How long (ms) until neither the global bucket nor download `dl`'s is in debt; 0 when both
   * have tokens. Spends nothing: a connection asks before it opens a request (its first bytes
   * arrive unasked), and slow start asks whether the limiter is what holds the download back.
   */
  debtMs(dl: number, nowMs = performance.timeOrigin + performance.now()): number {
    return Math.max(this.#debtOf(-1, nowMs), this.#debtOf(dl, nowMs))
  }

  #debtOf(dl: number, now: number): number {
    const b = bucketBase(dl)
    return this.#withLock(bucketLock(dl), () => {
      const f = this.#fields
      const rate = f[b]!
      if (rate <= 0) return 0
      const last = f[b + 2]! || now
      const tokens = f[b + 1]! + ((now - last) / 1000) * rate
      return tokens >= 0 ? 0 : (-tokens / rate) * 1000
    })
  }

  #takeFrom(dl: number, bytes: number, now: number): number {
    const b = bucketBase(dl)
    return this.#withLock(bucketLock(dl), () => {
      const f = this.#fields
      const rate = f[b]!
      if (rate <= 0) return 0
      const last = f[b + 2]! || now
      const tokens = Math.min(burstOf(rate), f[b + 1]! + ((now - last) / 1000) * rate) - bytes
      f[b + 1] = tokens
      f[b + 2] = now
      return tokens >= 0 ? 0 : (-tokens / rate) * 1000
    })
  }

  #withLock<T>(index: number, fn: () => T): T {
    lock(this.#locks, index)
    try {
      return fn()
    } finally {
      unlock(this.#locks, index)
    }
  }
}

function bucketBase(dl: number): number {
  return BUCKETS_BASE + BUCKET_FIELDS * (dl + 1)
}

function bucketLock(dl: number): number {
  return dl < 0 ? LOCK_GLOBAL_BUCKET : lockOfDownloadBucket(dl)
}

/** A quarter second of burst keeps every 5-second window within a few percent of the limit. */
function burstOf(rate: number): number {
  return Math.max(16 * 1024, rate / 4)
}

function align8(n: number): number {
  return Math.ceil(n / 8) * 8
}

/** Hands out slot numbers; used by the scheduler thread only. */
export class SlotAllocator {
  #free: number[]

  constructor(size: number) {
    this.#free = Array.from({ length: size }, (_, i) => size - 1 - i)
  }

  take(): number {
    const slot = this.#free.pop()
    if (slot === undefined) throw new Error('no free statistics slot')
    return slot
  }

  give(slot: number): void {
    this.#free.push(slot)
  }

  /** Slots not taken. */
  get free(): number {
    return this.#free.length
  }
}
