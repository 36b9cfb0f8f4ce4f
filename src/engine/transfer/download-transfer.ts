import { DownpourError, ERROR_CODES } from '../../shared/protocol/errors.ts'
import type { DownloadRecord } from '../model/download-record.ts'
import { decideRetry } from './retry-policy.ts'
import { missingRanges, totalBytes, type ByteRange } from '../segments/byte-ranges.ts'
import { openFollowingRedirects } from './follow-redirects.ts'
import { classifyNetworkError } from './classify-error.ts'
import { FileChangedError } from './segmented-fetch.ts'
import { validatorOf } from './same-version.ts'
import { buildRequestHeaders } from './request-headers.ts'
import { buildSegmentMap } from '../segments/segment-map.ts'
import type { TransferContext, TransferOutcome } from './transfer-context.ts'
import {
  checkpoint,
  closePart,
  finishPart,
  loadResumeState,
  PartGoneError,
  restartFromZero,
  startCheckpoints,
  stopCheckpoints,
} from './part-checkpoints.ts'
import { probeFor, probeRange } from './existing-probe.ts'
import { looksAtExisting } from './take-existing.ts'
import { streamOnThisConnection, streamUnknownLength, throwIfMissing } from './single-connection.ts'
import { fetchSegments } from './fetch-segments.ts'
import { acceptResponse, checkSpace } from './accept-response.ts'
import { checkMirrorFile, nextSource } from './mirror-fallback.ts'
import { isDiskError } from './segmented-fetch-options.ts'
import { redactUrl } from '../../shared/protocol/url.ts'
import {
  markCompleted,
  pathsOf,
  readDone,
  setDone,
  setState,
  sleepUnlessStopped,
  type TransferState,
} from './transfer-state.ts'

export type { TransferContext, TransferOutcome } from './transfer-context.ts'
export { CHECKPOINT_MS, deletePartFiles } from './part-checkpoints.ts'

/**
 * Runs one download to its end: the retry loop and the HTTP exchange (probe, judge the answer,
 * stream it). Where the bytes go and what a crash leaves is part-checkpoints.ts; the name,
 * name-claim.ts; a file found at it, take-existing.ts and existing-probe.ts; a body on one
 * connection, single-connection.ts; several connections, fetch-segments.ts. Owns the record's
 * state while running; `stop()` ends it with all received bytes durable (pause, remove,
 * shutdown).
 */
export class DownloadTransfer {
  readonly record: DownloadRecord
  #ctx: TransferContext
  #abort = new AbortController()
  /** What this transfer's modules share (transfer-state.ts). */
  #s: TransferState
  #running: Promise<TransferOutcome> | null = null
  /**
   * Connections holding a byte range right now: the row's count, from the same state as the
   * connection map (`segmentMap().connections.length`), so the row and the details panel agree.
   */
  get connections(): number {
    return this.#s.fetch?.connections ?? (this.#s.single ? 1 : 0)
  }
  /** Restarts for a file changed on the server, this run. */
  #changes = 0
  /** The file at the name was looked at for a probe (once per run). */
  #probed = false

  constructor(record: DownloadRecord, ctx: TransferContext) {
    this.record = record
    this.#ctx = ctx
    const { stats } = ctx.shared
    const slot = ctx.downloadSlot
    this.#s = {
      record,
      ctx,
      signal: this.#abort.signal,
      throttle: (bytes) => {
        const wait = stats.take(slot, bytes)
        return wait > 0 ? new Promise((resolve) => setTimeout(resolve, wait)) : null
      },
      paths: null,
      part: null,
      controlWritten: false,
      generation: 0,
      checkpointTimer: null,
      checkpointing: null,
      startedAt: performance.now(),
      single: null,
      fetch: null,
      url: null,
      finalUrl: null,
      rangesBroken: false,
      droppedMirrors: new Map(),
      failedSources: new Set(),
      fileSeen: null,
      rangesIgnored: false,
      rangesForUnknownLength: false,
      oneConnection: false,
      foundComplete: false,
      probe: null,
      seenFree: null,
      claimedFresh: false,
      waited: false,
    }
  }

  /** Bytes on disk or in flight to it, from the shared statistics (all threads count there). */
  get done(): number {
    return readDone(this.#s)
  }

  /** The connection map now: bytes received and where each open connection is. */
  segmentMap(): ReturnType<typeof buildSegmentMap> {
    return buildSegmentMap({
      size: this.record.size,
      written: this.#s.part?.written ?? [],
      segmented: this.#s.fetch?.progress() ?? null,
      single: this.#s.single,
    })
  }

  get partPath(): string {
    return pathsOf(this.#s).part
  }

  get finalPath(): string {
    return pathsOf(this.#s).final
  }

  run(): Promise<TransferOutcome> {
    this.#running ??= this.#run()
    return this.#running
  }

  /** Ends the transfer, keeping every received byte (durable once this resolves). */
  async stop(): Promise<void> {
    if (!this.#abort.signal.aborted) {
      this.#abort.abort(new DownpourError(ERROR_CODES.cancelled, 'stopped'))
    }
    await this.#running?.catch(() => {})
  }

  get stopped(): boolean {
    return this.#abort.signal.aborted
  }

  /**
   * True once the bytes already on disk are known (the control file read): from then on a
   * rise in `done` is bytes received. Before, `done` may still jump to what a pause left.
   */
  get counting(): boolean {
    return this.#counting
  }
  #counting = false

  async #run(): Promise<TransferOutcome> {
    const rec = this.record
    try {
      if ((await loadResumeState(this.#s)) === 'published') {
        this.#ctx.log('info', 'found complete on disk (published before the last run ended)')
        markCompleted(this.#s)
        return 'completed'
      }
      this.#counting = true
      // Its server at its connection cap as it started: the first request waits for the slot a
      // running download hands over (within a ramp beat), never one over the cap.
      const admission = this.#ctx.firstConnection(this.#abort.signal)
      if (admission) await admission
      if (this.stopped) return 'stopped'
      for (;;) {
        rec.tries++
        setState(this.#s, this.done > 0 || rec.size !== null ? 'downloading' : 'probing')
        const doneBefore = this.done
        try {
          // A size known from an earlier run: checked before a byte is asked for.
          await checkSpace(this.#s)
          await this.#attempt()
          if (this.#s.foundComplete) {
            markCompleted(this.#s)
            return 'completed'
          }
          await finishPart(this.#s)
          return 'completed'
        } catch (caught) {
          if (this.stopped) return 'stopped'
          const error = caught instanceof DownpourError ? caught : classifyNetworkError(caught)
          if (error instanceof FileChangedError) this.#changedAgain()
          // Its bytes went to a file no name leads to: what is on disk now is nothing.
          if (error instanceof PartGoneError) await restartFromZero(this.#s)
          rec.failuresInARow = this.done > doneBefore ? 1 : rec.failuresInARow + 1
          const decision = decideRetry({
            error,
            failuresInARow: rec.failuresInARow,
            maxTries: rec.maxTries ?? this.#ctx.settings().maxTries,
            baseDelayMs: this.#ctx.settings().retryWaitMs,
          })
          // With mirrors another server may have the file: one that failed for good is passed
          // over, and each is asked once at once before the back-off applies (mirror-fallback.ts).
          const moved = this.#nextSource(error)
          const sources = 1 + (rec.mirrors?.length ?? 0)
          if (!decision.retry && !(moved && !error.retryable)) return this.#giveUp(error)
          const delayMs =
            moved && rec.failuresInARow < sources ? 0 : decision.retry ? decision.delayMs : 0
          rec.error = error.toJSON()
          rec.nextRetryAt = Date.now() + delayMs
          this.#ctx.shared.stats.countRetry()
          this.#ctx.log(
            'warn',
            `try ${rec.tries} failed (${error.message}); retrying in ${(delayMs / 1000).toFixed(1)} s, ${this.#retryFrom(error)}`,
            error,
          )
          setState(this.#s, 'retrying')
          await checkpoint(this.#s).catch(() => {})
          await sleepUnlessStopped(this.#abort.signal, delayMs)
          if (this.stopped) return 'stopped'
          rec.nextRetryAt = null
        }
      }
    } catch (caught) {
      // Disk errors while preparing or finishing: no retry can fix a full disk by itself.
      if (this.stopped) return 'stopped'
      return this.#giveUp(caught instanceof DownpourError ? caught : classifyNetworkError(caught))
    } finally {
      stopCheckpoints(this.#s)
      await this.#s.checkpointing
      if (this.#s.part) await closePart(this.#s)
      // The name stays reserved (by the scheduler) for as long as the download exists.
    }
  }

  /**
   * What the retry keeps, as the log says it. After a restart (a changed file, a vanished part)
   * nothing is held and the size is unknown until the next answer: that is "from the start",
   * not "the server cannot resume", which only a server that said so (or sent no size) earns.
   */
  #retryFrom(error: DownpourError): string {
    const rec = this.record
    if (error instanceof PartGoneError || this.done === 0) return 'from the start'
    if (rec.resumable === false) return 'from the start (the server cannot resume this file)'
    if (rec.size === null) return 'from the start (the server did not send the size)'
    return `keeping ${this.done} bytes`
  }

  /**
   * A try failed on the source its first connection asked (the URL or a mirror): with mirrors,
   * the next try asks the next one (mirror-fallback.ts) — a small file or a server without
   * ranges has no other connection to fall back on. A mirror that served another file is
   * dropped for the run; a source that failed for good (not retryable) is not asked again in it.
   * True when the source changed. Not for a disk error or a stop: no server would fix those.
   */
  #nextSource(error: DownpourError): boolean {
    const rec = this.record
    if (!rec.mirrors?.length || isDiskError(error) || this.stopped) return false
    const current = (this.#s.url ??= new URL(rec.url)).href
    const sources = [rec.url, ...rec.mirrors].map((u) => new URL(u).href)
    if (error.code === ERROR_CODES.differentFile && current !== sources[0])
      this.#s.droppedMirrors.set(current, error.message)
    else if (!error.retryable) this.#s.failedSources.add(current)
    const next = nextSource(sources, current, this.#s.droppedMirrors, this.#s.failedSources)
    if (next === null) return false
    this.#s.url = new URL(next)
    this.#s.finalUrl = null
    this.#ctx.log('info', `asking ${redactUrl(next)} next (${error.message})`)
    return true
  }

  /** A file change seen once more in this run: its connections disagree (see #oneConnection). */
  #changedAgain(): void {
    this.#changes++
    if (this.#changes < 2 || this.#s.oneConnection) return
    this.#s.oneConnection = true
    this.#ctx.log(
      'warn',
      'the file changed again on the server right after starting over: its answers disagree (several servers behind one name?); finishing it on one connection',
    )
  }

  /**
   * The end of a run that will not try again by itself. A full disk pauses the download: the
   * person frees space and resumes, and every durable byte is still there (the run's cleanup
   * checkpoints it). Retrying would only fill the disk again, or loop on ENOSPC.
   */
  #giveUp(error: DownpourError): TransferOutcome {
    const rec = this.record
    const pause = error.code === ERROR_CODES.diskFull
    rec.error = error.toJSON()
    rec.nextRetryAt = null
    this.#ctx.log('error', `${pause ? 'paused' : 'failed'}: ${error.message}`, error)
    setState(this.#s, pause ? 'paused' : 'failed')
    return pause ? 'paused' : 'failed'
  }

  async #attempt(): Promise<void> {
    const rec = this.record
    let written = this.#s.part?.written ?? []
    // A complete part needs no server, resumable or not (its rename failed last time).
    const complete = rec.size !== null && missingRanges(written, rec.size).length === 0
    const continuesUnknown =
      rec.size === null &&
      this.#s.rangesForUnknownLength &&
      written.length === 1 &&
      written[0]!.start === 0
    if (
      !complete &&
      !continuesUnknown &&
      totalBytes(written) > 0 &&
      (rec.size === null || rec.resumable === false)
    ) {
      this.#ctx.log('info', 'the server cannot resume this file; starting over')
      await restartFromZero(this.#s)
      written = []
    }
    setDone(this.#s, totalBytes(written))
    const missing = rec.size !== null ? missingRanges(written, rec.size) : []
    if (rec.size !== null && missing.length === 0) return
    if (!rec.nameChosen && !this.#probed && looksAtExisting(this.#s)) {
      this.#probed = true
      this.#s.probe = await probeFor(this.#s, rec.name)
    }
    // With data on disk, ask for the first missing range, validated by If-Range.
    const first =
      this.done === 0
        ? null
        : continuesUnknown
          ? { start: written[0]!.end, end: Number.MAX_SAFE_INTEGER }
          : missing[0]!
    try {
      await this.#exchange(first)
    } catch (error) {
      if (!(error instanceof FileChangedError) || this.stopped) throw error
      this.#changedAgain()
      // An extra connection's If-Range found another version: all connections were stopped at
      // once; start over right away with the new version's validators (once per try: a file
      // that keeps changing goes through the retry delays).
      this.#ctx.log(
        'warn',
        'the file changed on the server during the download; starting over with the new version',
      )
      await restartFromZero(this.#s)
      await this.#exchange(null)
    } finally {
      // Checkpoints run while bytes arrive; a try that ended leaves nothing new to record (the
      // retry path checkpoints once before it waits).
      stopCheckpoints(this.#s)
    }
  }

  /** One request (two when the server's ranges prove wrong) and its body. */
  async #exchange(from: ByteRange | null): Promise<void> {
    let first = from
    const rec = this.record
    let ranged = first !== null && !this.#s.rangesBroken
    for (;;) {
      const headers = buildRequestHeaders(this.#ctx.settings(), this.record.headers)
      if (this.#s.probe && !first) headers.range = probeRange(this.#s.probe)
      else if (first && ranged) {
        headers.range = `bytes=${first.start}-${rec.size !== null && first.end < rec.size ? first.end - 1 : ''}`
        const validator = validatorOf(rec)
        if (validator) headers['if-range'] = validator
      }
      const source = (this.#s.url ??= new URL(rec.url))
      // A mirror (mirror-fallback.ts): no validator of another server's (its own answer is
      // checked instead), and no credentials of another origin.
      const mirror = source.href !== new URL(rec.url).href
      if (mirror) {
        delete headers['if-range']
        if (source.origin !== new URL(rec.url).origin) {
          delete headers.authorization
          delete headers.cookie
        }
      }
      const { response, url } = await openFollowingRedirects(this.#ctx.dispatcher(), {
        url: source,
        headers,
        signal: this.#abort.signal,
      })
      if (mirror) {
        try {
          checkMirrorFile(response.status, response.headers, source.href, this.#s.fileSeen)
        } catch (error) {
          response.abort(error as Error)
          throw error
        }
      }
      this.#s.finalUrl = url
      startCheckpoints(this.#s)
      try {
        const body = await acceptResponse(
          this.#s,
          response,
          url,
          first ? first.start : null,
          ranged,
          mirror,
        )
        if (body === 'complete') return
        if (body === 'again') {
          // A file found at the name holds the first bytes (IfExists 'continue'): this whole-file
          // answer is dropped and the rest asked for with a Range, as a resume does.
          // (Or the probe's answer was no use: the whole file is asked for.)
          response.abort(new Error('asking again'))
          if (this.#s.part) {
            first = missingRanges(this.#s.part.written, rec.size!)[0] ?? null
            if (first === null) return
            ranged = !this.#s.rangesBroken
          } else first = null
          continue
        }
        if (body === 'bad-range') {
          if (!ranged) {
            throw new DownpourError(ERROR_CODES.badResponse, 'server sent a range not asked for', {
              retryable: true,
            })
          }
          // Fall back to the whole file on one connection, keeping every byte we hold.
          this.#s.rangesBroken = true
          ranged = false
          continue
        }
        if (rec.size === null) await streamUnknownLength(this.#s, response, body.at)
        else if (body.writeFrom > body.at) {
          await streamOnThisConnection(this.#s, response, body.at, rec.size, body.writeFrom)
          throwIfMissing(this.#s.part!, rec.size)
        } else await fetchSegments(this.#s, response, body.at, rec.size, body.bodyEnd)
        return
      } catch (error) {
        // Never leave a paused socket behind (e.g. the folder could not be created).
        response.abort(error instanceof Error ? error : new Error(String(error)))
        throw error
      }
    }
  }
}
