import type { ConnectionRange, SourceShare } from '../../shared/protocol/details.ts'
import { setTimeout as sleep } from 'node:timers/promises'
import { DownpourError, ERROR_CODES } from '../../shared/protocol/errors.ts'
import { addRange, subtractRange, totalBytes, type ByteRange } from '../segments/byte-ranges.ts'
import {
  afterError,
  afterLook,
  closesOverShare,
  closesOverTarget,
  countAnswers,
  fastestSeen,
  keepOnSplit,
  mayTakeWork,
  keptSocket,
  renewAfterYield,
  reopensAfterLast,
  speedOnNextRange,
  viewSegment,
  type SegmentView,
} from '../segments/connection-choices.ts'
import {
  beatRates,
  ConnectionRamp,
  LINGER_LOOK_MS,
  RAMP_INTERVAL_MS,
} from '../segments/connection-ramp.ts'
import { ConnectionTimeline } from './connection-timeline.ts'
import { SocketSpeeds } from '../segments/socket-speeds.ts'
import { boundHere, isEndgameSplit, pickWork } from '../segments/segment-planner.ts'
import { pickSourcedWork } from '../segments/source-speeds.ts'
import {
  isBehind,
  quietFor,
  speedAtEnd,
  startProgress,
  type SegmentProgress,
} from '../segments/segment-speed.ts'
import { ReaderClock } from '../stats/reader-clock.ts'
import { MAX_DOWNLOADS, type SharedStats } from '../stats/shared-stats.ts'
import type { OpenResponse } from './open-response.ts'
import {
  CHANGED,
  ENCODED,
  FileChangedError,
  FINISHED,
  isDiskError,
  NO_RANGES,
  Retired,
  type SegmentedFetchOptions,
} from './segmented-fetch-options.ts'
import { RangeExchanges } from './range-exchange.ts'
import type { Source } from './mirror-sources.ts'
import { ConnectionSources, type OwnedRange } from './connection-sources.ts'
import { giveBackToFirst, readOn, type FirstConnectionHost } from './first-connection.ts'
import { closeExtras, handOver, replaceLaggards, type BeatHost } from './ramp-beat.ts'
import type { FetchResult } from './transfer-messages.ts'

export { FileChangedError, type SegmentedFetchOptions } from './segmented-fetch-options.ts'

type Exchange = { response: OpenResponse; segment: number }

/** Why a laggard's connection closed (pickWork's 'yield', afterLook). */
const TOO_SLOW = new Retired('too slow to win anything')

/**
 * Fetches every missing byte of a download over up to N connections. Starts with the probe's
 * connection (on this thread) and opens more progressively (slow start: while each connection
 * is slow — a per-connection cap or a thin link — four times as many per beat; connections
 * proven fast hold, since then our disk or CPU is the limit), so the defaults are already the
 * fast settings and an uncapped link does not waste CPU on connections that add nothing. Extra
 * connections run on the transfer pool's worker threads once one has booted. A laggard (far
 * slower than the fastest) is swapped for a fresh connection. Segment bounds live in
 * SharedStats: a connection that finishes takes a gap, splits the segment that would finish
 * last, or in the endgame steals a laggard's rest, under that segment's lock, and the victim
 * (on whatever thread) stops exactly there. A connection that fails hands its remainder back.
 * Resolves when nothing is missing; rejects with the last error when every connection died
 * with work left.
 */
export class SegmentedFetch {
  #o: SegmentedFetchOptions
  #stats: SharedStats
  #gaps: ByteRange[]
  /** Segment slots in use by this download, with where and when each started. */
  #active = new Map<number, SegmentProgress>()
  /** The connection working on a segment, by slot: how to retire it. */
  #owners = new Map<number, AbortController>()
  #live = 0
  #ramp = new ConnectionRamp()
  #segmentable: boolean
  #lastError: unknown = null
  #last = { bytes: 0, total: 0, at: 0 }
  #loops = new Set<Promise<void>>()
  #abort = new AbortController()
  /** Each connection's HTTP exchanges (range-exchange.ts). */
  #exchanges: RangeExchanges
  /** Segments split while their readers were behind (see #segments). */
  #halvedBehind = new Set<number>()
  #changed = false
  /** The probe's segment slot (while it reads). */
  #firstSegment = -1
  /** An extra connection got a ranged answer: the server does ranges. */
  #rangesProven = false
  /**
   * The connection on the download's own host slot: the probe's, or one opened in its place
   * (#nextSlot). Never handed over, never closed over the target.
   */
  #firstRetire: AbortController | null = null
  /**
   * The connection holding the download's own host slot ended (robbed, replaced as a laggard,
   * yielded) while the download goes on: the next connection opened takes that slot (#nextSlot).
   */
  #ownSlotFree = false
  /** Extra connections waiting in #nextWork for work: they close themselves when over share. */
  #idleHelpers = 0
  /** This download's bytes/s at the last beat. */
  #rate = 0
  /** The fastest any of its connections has been, bytes/s (see pickWork's fastestSeen). */
  #fastestSeen = 0
  /** Per connection: bytes, start, end, steals (segmentable downloads only). */
  readonly timeline: ConnectionTimeline | null
  /** The URL and its mirrors, with each connection's source; null without mirrors. */
  #sources: ConnectionSources | null = null
  /** Each live loop's speed over its own socket (socket-speeds.ts): what slow ones are judged by. */
  #socketSpeeds = new SocketSpeeds()
  /** The URL's host (its slots are taken by acquireSlot without a host); with mirrors only. */
  #urlHost = ''

  constructor(options: SegmentedFetchOptions) {
    this.#o = options
    this.#stats = options.shared.stats
    this.#exchanges = new RangeExchanges({
      options,
      stats: this.#stats,
      clock: new ReaderClock(options.shared.stats),
      requestFor: (source) =>
        source && this.#sources
          ? this.#sources.requestFor(source, options.request)
          : options.request,
      isFirst: (segment) => segment === this.#firstSegment,
      readOn: (segment) => this.#readOn(segment),
      rangesServed: () => this.#rangesServed(),
    })
    this.#gaps = options.gaps
    this.#segmentable = options.segmentable
    this.timeline = options.segmentable ? new ConnectionTimeline() : null
    const mirrors = options.mirrors ?? []
    if (options.segmentable && mirrors.length > 0) this.#urlHost = new URL(options.request.url).host
    if (options.segmentable && mirrors.length > 0)
      this.#sources = new ConnectionSources(
        options.request.url,
        mirrors,
        options.etag ?? null,
        options.droppedMirrors ?? new Map(),
      )
  }

  async run(): Promise<void> {
    // One connection for good (a small file, no ranges): no ramp, nothing to retire. This is
    // the path of every small file, so it skips the per-download timers and signals.
    const single = !this.#segmentable
    const signal = single ? this.#o.signal : AbortSignal.any([this.#o.signal, this.#abort.signal])
    const first = this.#claim(this.#o.first.range)
    this.#firstSegment = first
    this.#last = {
      bytes: this.#stats.downloadBytes(this.#o.downloadSlot),
      total: this.#stats.totalBytes(),
      at: performance.now(),
    }
    this.#spawn(signal, { response: this.#o.first.response, segment: first }, false)
    const ramp = single ? null : setInterval(() => this.#beat(signal), RAMP_INTERVAL_MS)
    try {
      let reopened = 0
      while (this.#loops.size > 0) {
        await Promise.race(this.#loops)
        if (this.#loops.size > 0) continue
        const reopen = reopensAfterLast({
          left: totalBytes(this.#gaps),
          failed: this.#lastError !== null || this.#changed,
          stopping: signal.aborted,
          segmentable: this.#segmentable,
          reopened,
        })
        const source = reopen ? this.#nextSlot() : undefined
        if (source === undefined) break
        reopened++
        this.#o.log('every connection ended with bytes left and no error; opening a fresh one')
        this.#spawn(signal, null, source)
      }
    } finally {
      if (ramp) clearInterval(ramp)
      // A prepared reason: abort() without one builds a DOMException with a stack each time.
      if (!single) this.#abort.abort(FINISHED)
      for (const slot of this.#active.keys()) this.#o.shared.segmentSlots.give(slot)
      this.#active.clear()
      if (this.timeline) this.#o.log(this.timeline.summary())
      // One line per connection (source, life, bytes, why it closed), on demand: a download's
      // history keeps the summary alone.
      if (this.timeline && process.env.DOWNPOUR_CONNECTION_LINES)
        for (const line of this.timeline.lines()) this.#o.log(line)
      if (this.#sources) this.#o.log(`sources: ${this.#sources.summary()}`)
    }
    if (this.#o.signal.aborted) throw this.#o.signal.reason
    if (this.#changed) throw new FileChangedError()
    if (this.#gaps.length > 0) {
      throw (
        this.#lastError ??
        new DownpourError(ERROR_CODES.network, 'all connections ended early', { retryable: true })
      )
    }
  }

  /** The active segments with their speeds (connection-choices.ts, viewSegment). */
  #segments(): SegmentView[] {
    // Date.now(): the readers' reports (ReaderState) come from other threads, on this clock.
    const now = Date.now()
    const segments = [...this.#active].map(([slot, progress]) =>
      viewSegment(
        slot,
        progress,
        this.#stats.readSegment(slot),
        this.#stats.readReader(slot),
        now,
        this.#halvedBehind.has(slot),
      ),
    )
    this.#fastestSeen = fastestSeen(this.#fastestSeen, segments)
    return segments
  }

  /** A segment's speed (bytes/s) as it ends, once measurable (what its connection would bring). */
  #speedOf(segment: number): number | undefined {
    const progress = this.#active.get(segment)
    if (!progress) return undefined
    const pos = this.#stats.readSegment(segment).pos
    return speedAtEnd(progress, pos, Date.now(), this.#stats.readReader(segment))
  }

  /** The ramp beat: grow or shrink the connection count, swap laggards, fill free slots. */
  #beat(signal: AbortSignal): void {
    const reading = {
      at: performance.now(),
      bytes: this.#stats.downloadBytes(this.#o.downloadSlot),
      total: this.#stats.totalBytes(),
    }
    const { elapsed, rate, totalRate } = beatRates(this.#last, reading)
    this.#last = reading
    this.#rate = rate
    if (!this.#segmentable || signal.aborted) return
    const { judgeNetwork, giveBack } = this.#ramp.beat({
      now: reading.at,
      elapsed,
      rate,
      totalRate,
      live: this.#live,
      ...this.#answers(),
      inDebt: this.#stats.debtMs(this.#o.downloadSlot) > 0,
      limits: this.#o.limits(),
      diskWaitMs: this.#o.part.diskWaitMs,
      maxConnections: this.#o.maxConnections(),
    })
    const max = this.#o.maxConnections()
    this.#sources?.beat(reading.at, this.#ownedRanges(this.#segments()), judgeNetwork, max)
    if (giveBack) closeExtras(this.#beatHost())
    if (judgeNetwork) replaceLaggards(this.#beatHost())
    handOver(this.#beatHost())
    // A thread takes ~0.2 s to boot: the new connections run here until one is up.
    if (this.#live < this.#target()) this.#o.shared.pool?.warm()
    while (this.#live < this.#target()) {
      const minSplit = this.#o.minSplit()
      const work = pickWork(this.#gaps, this.#segments(), minSplit)
      // An endgame split is for a connection idle already: one opened for it would be late.
      if (work.kind === 'none' || isEndgameSplit(work, minSplit)) return
      const source = this.#nextSlot()
      if (source === undefined) {
        if (this.#o.hostShared()) this.#ramp.handedOver()
        return
      }
      this.#spawn(signal, null, source)
    }
  }

  /**
   * A slot for an extra connection on the host of the source it will fetch from (with mirrors
   * MirrorSources.pick, else the URL): the source (null without mirrors), or undefined when that
   * host is at its cap. Each source counts against its own host's cap: a mirror's connections
   * once took the URL's host slots, so a mirror elsewhere was held to the URL's cap and the
   * URL's server to fewer than its own.
   */
  #acquireSlot(): Source | null | undefined {
    const source = this.#sources?.next() ?? null
    return this.#o.acquireSlot(source?.host) ? source : undefined
  }

  /**
   * The slot for the next connection: the download's own while no connection holds it (false:
   * it opens as the probe's did, on the URL), else an extra one (#acquireSlot). The host counts
   * a download's first connection for as long as the download runs: when the probe's connection
   * ended early, a download alone at its host's cap ran one connection short for the rest of it.
   * Not with mirrors: there each connection's source is chosen per source (ConnectionSources).
   */
  #nextSlot(): Source | null | false | undefined {
    if (this.#ownSlotFree && !this.#sources) {
      this.#ownSlotFree = false
      return false
    }
    return this.#acquireSlot()
  }

  /** What ramp-beat.ts reads of this download now. */
  #beatHost(): BeatHost {
    return {
      ramp: this.#ramp,
      maxConnections: this.#o.maxConnections(),
      minSplit: this.#o.minSplit(),
      liveFastest: this.#socketSpeeds.fastest(),
      live: this.#live,
      target: this.#target(),
      firstSegment: this.#firstSegment,
      firstRetire: this.#firstRetire,
      idleHelpers: this.#idleHelpers,
      overShare: this.#o.overShare(),
      segments: () => this.#segments(),
      owner: (segment) => this.#owners.get(segment),
      awaitsJudgment: (segment) => this.#awaitsJudgment(segment),
      onUrlHost: (segment) => this.#onUrlHost(this.#owners.get(segment)),
      sourceOf: (segment) =>
        this.#sources ? this.#sources.laggardGroup(this.#owners.get(segment)) : 0,
      log: this.#o.log,
    }
  }

  /** Connections waiting for their first byte, and those their server paused (countAnswers). */
  #answers(): { waiting: number; paused: number } {
    return countAnswers(
      [...this.#active].map(([slot, progress]) => ({
        ...this.#stats.readSegment(slot),
        quiet: quietFor(progress, this.#stats.readReader(slot)),
      })),
    )
  }

  /**
   * Opens a connection loop: the probe's (`extra` false) or an extra one, whose host slot was
   * taken for `extra` (#acquireSlot: its source, null without mirrors) and is given back at its end.
   */
  #spawn(signal: AbortSignal, first: Exchange | null, extra: Source | null | false): void {
    const helper = extra !== false
    this.#live++
    this.#stats.addConnections(this.#o.downloadSlot, 1)
    const retire = new AbortController()
    if (!helper) this.#firstRetire = retire
    // With mirrors, each connection has one source for its life (ConnectionSources.open).
    const source = this.#sources?.open(retire, extra || null) ?? null
    this.timeline?.opened(retire, source?.host)
    const connection = this.#segmentable ? AbortSignal.any([signal, retire.signal]) : signal
    const pool = this.#o.shared.pool
    const pin = pool && this.#segmentable ? pool.pin() : undefined
    const loop = this.#connection(connection, retire, first, source, pin).finally(() => {
      if (pin !== undefined) pool!.unpin(pin)
      this.#socketSpeeds.delete(retire)
      this.#sources?.close(retire)
      this.timeline?.closed(retire, retire.signal.aborted ? retire.signal.reason : null)
      this.#live--
      this.#stats.addConnections(this.#o.downloadSlot, -1)
      if (helper) this.#o.releaseSlot(source?.host)
      else this.#ownSlotFree = true
      this.#loops.delete(loop)
    })
    this.#loops.add(loop)
  }

  /**
   * One connection slot: segment after segment until none is left. Each exchange runs on a
   * transfer worker thread once one has booted, else on this thread (slow start wants extra
   * connections before a thread is up; the probe's own response is read here too).
   */
  async #connection(
    signal: AbortSignal,
    retire: AbortController,
    first: Exchange | null,
    source: Source | null,
    /** Its own socket on a worker (TransferPool.pin); undefined: unsegmentable, one exchange. */
    pin: number | undefined,
  ): Promise<void> {
    const mirror = source !== null && source.index > 0
    let current = first
    /** This connection's speed on its last segment: what it would bring to a laggard's rest. */
    let speed = 0
    for (;;) {
      if (!current && !(await this.#exchanges.bandwidthFree(signal))) return
      const segment = current ? current.segment : await this.#nextWork(signal, retire, speed)
      if (segment === null) return
      this.#owners.set(segment, retire)
      const asked = this.#stats.readSegment(segment).end
      let exchanged: { outcome: FetchResult; onPin: boolean }
      try {
        const ask = { segment, opened: current?.response ?? null, source, pin, signal, retire }
        exchanged = await this.#exchanges.run(ask)
      } catch (error) {
        // Stopped on purpose (retired, finished, file changed): the reason, not the symptom. A
        // mirror's failure is the mirror's: it may be dropped, the download goes on.
        const reason = signal.aborted ? signal.reason : error
        this.#finishSegment(
          segment,
          mirror && !signal.aborted ? this.#mirrorFailed(source, error) : reason,
        )
        return
      }
      const { outcome, onPin } = exchanged
      if (outcome === 'changed') return this.#fileChanged(segment)
      if (outcome === 'no-ranges') return this.#noRanges(segment)
      if (outcome === 'encoded') return this.#encodedRange(segment)
      if (!current && !mirror) this.#rangesServed()
      // 'done': its answer passed mirror-answer.ts, whether or not its range was left to it.
      if (mirror) this.#sources!.passed(source)
      current = null
      const range = this.#stats.readSegment(segment)
      const kept = keptSocket(onPin, asked, range.end)
      const short = range.end - range.start < this.#o.minSplit()
      speed = speedOnNextRange(this.#speedOf(segment), speed, kept, short)
      this.#socketSpeeds.set(retire, speed)
      if (!this.#finishSegment(segment, null)) return
    }
  }

  /**
   * A connection is done with a segment. Complete → free its slot, true. Otherwise the
   * remainder goes back to the gaps for another connection, and an error is remembered (a
   * retired connection is no error).
   */
  #finishSegment(segment: number, error: unknown): boolean {
    if (segment === this.#firstSegment) this.#firstSegment = -1
    const { start, pos, end } = this.#stats.readSegment(segment)
    const owner = this.#owners.get(segment)
    this.timeline?.ranged(owner, pos - start)
    this.#sources?.served(owner, pos - start)
    this.#active.delete(segment)
    this.#owners.delete(segment)
    this.#halvedBehind.delete(segment)
    this.#o.shared.segmentSlots.give(segment)
    if (pos >= end) {
      if (error === null) this.#endWaitingIfDone()
      return error === null
    }
    this.#gaps = addRange(this.#gaps, { start: pos, end })
    if (error instanceof Retired) return false
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

  /** The connection count to hold: the ramp's, with mirrors ConnectionSources.target. */
  #target(): number {
    const target = this.#ramp.target
    return this.#sources ? this.#sources.target(target, this.#o.maxConnections()) : target
  }

  /** The segments with their bounds and connections, as ConnectionSources sees them. */
  #ownedRanges(segments: readonly SegmentView[]): OwnedRange[] {
    return segments.map((segment) => ({
      owner: this.#owners.get(segment.id),
      start: this.#stats.readSegment(segment.id).start,
      pos: segment.pos,
      end: segment.end,
      ...(segment.speed === undefined ? {} : { speed: segment.speed }),
    }))
  }

  /** Whether `owner`'s connection fetches from the URL's host (whose share overShare is). */
  #onUrlHost(owner: AbortController | undefined): boolean {
    const source = this.#sources?.of(owner)
    return !source || source.host === this.#urlHost
  }

  /** Whether the connection on `segment` waits for an unproven mirror's first answer. */
  #awaitsJudgment(segment: number): boolean {
    const owner = this.#owners.get(segment)
    if (!owner || !this.#sources) return false
    const { start, pos } = this.#stats.readSegment(segment)
    return this.#sources.awaitsJudgment(owner, start, pos)
  }

  /**
   * Ends the connection on `segment` (its range was taken), unless it waits for an unproven
   * mirror's first answer (awaitsJudgment): that one learns at its answer that its range is gone.
   */
  #retire(segment: number, reason: Retired): void {
    if (!this.#awaitsJudgment(segment)) this.#owners.get(segment)?.abort(reason)
  }

  /**
   * Nothing is left to fetch while connections still wait for an unproven mirror's first answer
   * (others took their ranges): they end now. No request to that mirror follows theirs, and the
   * download does not wait for a slow mirror's answer it no longer needs.
   */
  #endWaitingIfDone(): void {
    if (!this.#sources || this.#gaps.length > 0) return
    const waiting: number[] = []
    for (const slot of this.#active.keys()) {
      const { pos, end } = this.#stats.readSegment(slot)
      if (pos < end) return
      if (this.#awaitsJudgment(slot)) waiting.push(slot)
    }
    const done = new Retired('the file is complete without its mirror')
    for (const slot of waiting) this.#owners.get(slot)?.abort(done)
  }

  /** A mirror's connection failed (ConnectionSources.failed): the reason it retired. */
  #mirrorFailed(source: Source, error: unknown): Retired {
    return this.#sources!.failed(source, error, (host, reason) => {
      this.#o.log(`mirror ${host} dropped: ${reason}; its ranges go to the other sources`)
      this.timeline?.dropped(host, reason)
    })
  }

  /**
   * The first sign that the file changed: stop every connection now (their bytes are of the
   * old version) rather than let each run into the same answer; the download starts over.
   */
  #fileChanged(segment: number): void {
    this.#changed = true
    this.#finishSegment(segment, CHANGED)
    if (!this.#abort.signal.aborted) this.#abort.abort(CHANGED)
  }

  #noRanges(segment: number): void {
    this.#o.onRanges?.(false)
    if (this.#segmentable) {
      this.#o.log(
        'the server answered an extra connection without its range; continuing on the open ones',
      )
    }
    this.#segmentable = false
    this.#finishSegment(segment, NO_RANGES)
    this.#giveBackToFirst()
  }

  /** A compressed range answer: its bytes were never written; no connection asks for ranges. */
  #encodedRange(segment: number): void {
    if (this.#segmentable) {
      this.#o.log(
        'the server compressed a range answer (Content-Encoding); no more ranges in this run, the rest comes from a whole-file answer',
      )
      this.#o.onRangesBroken?.()
    }
    this.#segmentable = false
    this.#finishSegment(segment, ENCODED)
    this.#giveBackToFirst()
  }

  #rangesServed(): void {
    this.#rangesProven = true
    this.#o.onRanges?.(true)
  }

  /** What first-connection.ts reads and changes of this download. */
  #firstHost(): FirstConnectionHost {
    const gaps = {
      get: (): ByteRange[] => this.#gaps,
      set: (next: ByteRange[]): void => {
        this.#gaps = next
      },
    }
    return {
      stats: this.#stats,
      bodyEnd: this.#o.first.bodyEnd,
      rangesProven: this.#rangesProven,
      stopping: this.#abort.signal.aborted,
      get gaps() {
        return gaps.get()
      },
      set gaps(next) {
        gaps.set(next)
      },
      activeIds: () => this.#active.keys(),
      retire: (segment, reason) => this.#retire(segment, reason),
    }
  }

  /** See readOn (first-connection.ts). */
  #readOn(slot: number): boolean {
    return readOn(this.#firstHost(), slot)
  }

  /** See giveBackToFirst (first-connection.ts): while the probe's segment is open. */
  #giveBackToFirst(): void {
    if (this.#active.has(this.#firstSegment)) giveBackToFirst(this.#firstHost(), this.#firstSegment)
  }

  /**
   * Work for an idle connection. While others still fetch, it lingers (a beat at a time) for
   * the endgame: a laggard's rest to steal or a failed connection's range to take over.
   */
  async #nextWork(
    signal: AbortSignal,
    retire: AbortController,
    speed: number,
  ): Promise<number | null> {
    const helper = retire !== this.#firstRetire
    // The share of the host is the URL's host's: a mirror's connection keeps to its own cap.
    const shared = helper && this.#onUrlHost(retire)
    for (;;) {
      if (closesOverShare(shared, this.#o.overShare())) return null
      if (closesOverTarget(helper, this.#live, this.#target())) return null
      const found = this.#takeWork(retire, speed)
      if (typeof found === 'number') return found
      const next = afterLook(found ?? 'none', {
        stopping: signal.aborted,
        helper,
        othersActive: this.#active.size > 0,
        hostShared: shared && this.#o.hostShared(),
      })
      if (next === 'close') {
        if (found === 'yield') retire.abort(TOO_SLOW)
        return null
      }
      if (shared) this.#idleHelpers++
      try {
        await sleep(LINGER_LOOK_MS, undefined, { signal })
      } catch {
        return null
      } finally {
        if (shared) this.#idleHelpers--
      }
    }
  }

  /**
   * The next segment for a connection, or null: nothing left, the connection retired, or the
   * download is being stopped (a pause must not see a connection start another request).
   * 'yield': the connection is a laggard (cannotWin) and closes.
   */
  #takeWork(retire: AbortController, speed = 0): number | 'yield' | null {
    if (retire.signal.aborted || this.#o.signal.aborted || this.#abort.signal.aborted) return null
    const gate = {
      active: this.#active.size,
      freeSlots: this.#o.shared.segmentSlots.free,
      reserve: MAX_DOWNLOADS,
      live: this.#live,
      target: this.#target(),
    }
    if (!mayTakeWork(gate)) return null
    const minSplit = this.#o.minSplit()
    const maxConnections = this.#o.maxConnections()
    for (;;) {
      const segments = this.#segments()
      const mayRob = this.#ramp.maySteal(maxConnections)
      const sources = this.#sources
      const fastest = Math.max(this.#fastestSeen, this.#socketSpeeds.fastest())
      // With mirrors, ranges move between sources judged per source (source-speeds.ts).
      const work = sources
        ? pickSourcedWork(
            this.#gaps,
            segments.map((s) => ({ ...s, source: sources.of(this.#owners.get(s.id))?.index ?? 0 })),
            minSplit,
            { source: sources.of(retire)?.index ?? 0, speed },
            mayRob,
          )
        : pickWork(this.#gaps, segments, minSplit, speed, mayRob, fastest)
      if (work.kind === 'none') return null
      if (work.kind === 'yield') {
        // Too slow to win anything: it closes, and is renewed only while a fresh connection
        // (which may be fast) has enough left to pay for itself.
        const renew = renewAfterYield(this.#gaps, segments, this.#rate, minSplit)
        this.#ramp.yielded(renew, this.#live, maxConnections)
        this.timeline?.yielded(retire)
        return 'yield'
      }
      if (work.kind === 'gap') {
        return this.#claim(this.#hereBound(work.range))
      }
      // Re-checked under the victim's lock: it may have advanced since we looked.
      const taken =
        work.kind === 'split'
          ? this.#stats.split(work.victimId, work.floor, this.#keepOnSplit(work))
          : this.#stats.steal(work.victimId)
      if (taken && work.kind === 'split' && this.#isBehind(work.victimId)) {
        this.#halvedBehind.add(work.victimId)
      }
      if (taken && work.kind === 'steal') {
        this.#ramp.stole()
        this.timeline?.stole(retire, this.#owners.get(work.victimId))
        this.#sources?.robbed(this.#owners.get(work.victimId), retire)
        // The laggard may wait long for its next chunk to learn it is done: end it now.
        this.#retire(work.victimId, new Retired('its rest went to a faster connection'))
      }
      if (taken) {
        const range = this.#hereBound(taken)
        if (range.end < taken.end)
          this.#gaps = addRange(this.#gaps, { start: range.end, end: taken.end })
        return this.#claim(range, false)
      }
      if (!this.#segments().some((s) => s.end - s.pos >= 2 * minSplit) && this.#gaps.length === 0)
        return null
    }
  }

  /** What a split victim keeps of its rest (connection-choices.ts, keepOnSplit). */
  #keepOnSplit(work: { victimId: number; keepFraction: number }): number {
    const pooled = this.#o.shared.pool !== null
    return keepOnSplit(this.#exchanges.readsHere(work.victimId), pooled, work.keepFraction)
  }

  #isBehind(segment: number): boolean {
    return isBehind(this.#stats.readReader(segment), Date.now())
  }

  /** A range for a connection read on this thread while a worker boots is cut (boundHere). */
  #hereBound(range: ByteRange): ByteRange {
    const pool = this.#o.shared.pool
    if (!pool || pool.ready) return range
    return boundHere(range, this.#o.request.size, this.#o.maxConnections(), this.#o.minSplit())
  }

  #claim(range: ByteRange, fromGaps = true): number {
    if (fromGaps) this.#gaps = subtractRange(this.#gaps, range)
    const slot = this.#o.shared.segmentSlots.take()
    this.#stats.initSegment(slot, this.#o.downloadSlot, range.start, range.end)
    this.#active.set(slot, startProgress(range.start, Date.now()))
    return slot
  }

  /**
   * Connections holding a byte range (a request open or bytes arriving): the row's figure, and
   * the length of `progress().connections`. Connection loops idle between ranges (slow start
   * opened more than there are ranges to split) move no data and are not counted.
   */
  get connections(): number {
    return this.#active.size
  }

  /** Where each connection is and what none has claimed yet (the details panel's map). */
  progress(): {
    unclaimed: readonly ByteRange[]
    connections: ConnectionRange[]
    sources?: SourceShare[]
  } {
    const sources = this.#sources
    if (sources) return { unclaimed: this.#gaps, ...sources.progress(this.#ranges()) }
    const connections = [...this.#active.keys()].map((slot) => {
      const { start, pos, end } = this.#stats.readSegment(slot)
      return { start, pos, end }
    })
    return { unclaimed: this.#gaps, connections }
  }

  /** Each open range with its connection. */
  #ranges(): { range: ConnectionRange; owner: AbortController | undefined }[] {
    return [...this.#active.keys()].map((slot) => {
      const { start, pos, end } = this.#stats.readSegment(slot)
      return { range: { start, pos, end }, owner: this.#owners.get(slot) }
    })
  }

  #fail(error: unknown): void {
    if (this.#o.signal.aborted || this.#abort.signal.aborted) return
    this.#lastError = error
    const effect = afterError(isDiskError(error), this.#o.isBackoffSignal(error))
    // run() rejects with this error.
    if (effect === 'end-all') {
      this.#abort.abort(error)
      return
    }
    const reason = error instanceof Error ? error.message : String(error)
    this.#o.log(`a connection ended early (${reason}); its remaining bytes go to the others`)
    this.#stats.countError()
    if (effect === 'back-off') this.#ramp.backOff(this.#live)
  }
}
