import { rename, rm } from 'node:fs/promises'
import type { Stats } from 'node:fs'
import { join } from 'node:path'
import type { Dispatcher } from 'undici'
import { DownpourError, ERROR_CODES } from '../../shared/protocol/errors.ts'
import type { Settings } from '../../shared/protocol/model.ts'
import type { LogLevel } from '../../shared/protocol/events.ts'
import { redactUrl } from '../../shared/protocol/url.ts'
import type { DownloadRecord } from '../model/download-record.ts'
import { decideRetry } from './retry-policy.ts'
import {
  missingRanges,
  subtractRange,
  totalBytes,
  type ByteRange,
} from '../segments/byte-ranges.ts'
import { PartFile } from '../storage/part-file.ts'
import {
  controlPathFor,
  PART_SUFFIX,
  readControlFile,
  removeControlFile,
  writeControlFile,
} from '../storage/control-file.ts'
import { placeDownload } from './place-download.ts'
import { finishPublishing } from '../storage/publish-file.ts'
import { diskError } from '../storage/disk-error.ts'
import { suggestFileName } from '../naming/suggest-file-name.ts'
import { claimUniqueName } from '../naming/unique-name.ts'
import { hashFile } from '../checksum/hash-file.ts'
import { openFollowingRedirects } from './follow-redirects.ts'
import { classifyNetworkError } from './classify-error.ts'
import {
  contentCodings,
  header,
  parseContentRange,
  parseUnsatisfiedRangeTotal,
  strongEtag,
} from './response-headers.ts'
import type { OpenResponse } from './open-response.ts'
import { streamBody } from './stream-body.ts'
import { FileChangedError, SegmentedFetch } from './segmented-fetch.ts'
import { validatorOf } from './same-version.ts'
import { judgeResponse, type Adopted } from './judge-response.ts'
import { rangesOnDisk } from './ranges-on-disk.ts'
import type { TransferPool } from './transfer-pool.ts'
import type { SharedStats, SlotAllocator } from '../stats/shared-stats.ts'
import { fileExists, lookAt } from '../storage/file-exists.ts'
import { notEnoughSpace, spaceShortfall, type FreeSpace } from '../storage/free-space.ts'
import { buildRequestHeaders } from './request-headers.ts'
import { buildSegmentMap } from '../segments/segment-map.ts'
import { ARIA2_SUFFIX, readAria2Control } from '../storage/aria2-control.ts'
import {
  ALREADY_COMPLETE,
  judgeExisting,
  type ExistingVerdict,
  type FoundFile,
} from './existing-file.ts'
import type { ConnectionRange } from '../../shared/protocol/details.ts'

/** fsync + control file every this often while bytes flow (a crash re-fetches at most this much). */
export const CHECKPOINT_MS = 1000

export type TransferContext = {
  /**
   * The engine's current dispatcher, asked for at every new request (retries included): a
   * settings change replaces it while exchanges already running finish on the old one.
   */
  dispatcher(): Dispatcher
  settings(): Settings
  /** Absolute final paths claimed by running downloads, so two never pick the same name. */
  reservedPaths: Set<string>
  /** See EngineOptions.othersLive: another live engine writing into these folders, or null. */
  othersLive(): Promise<string | null>
  /** Creates a destination folder once per engine (not once per file). */
  ensureDir(dir: string): Promise<void>
  /** Bytes free for this download's folder (storage/free-space.ts), null when unknown. */
  freeSpace: FreeSpace
  log(level: LogLevel, message: string, error?: DownpourError): void
  /**
   * The record's persisted fields changed (state, name, size, validators…). `journal: false`
   * announces the change without a journal line of its own: the journal already holds every
   * field a restart reads (see #adoptMetadata).
   */
  changed(options?: { journal: boolean }): void
  /**
   * Appends the record as it is now (its name, its size) to the queue's journal at once, for a
   * step that must not happen before the journal can tell the next run about it (creating its
   * `.part`, publishing): throws a DP_ERR_DISK_FULL (or other disk) error when it cannot.
   */
  journal(): void
  /** Whether the journal is known to hold the record's current name and size. */
  journaled(): boolean
  /** Shared statistics, segment slots and the transfer worker pool of the engine. */
  shared: { stats: SharedStats; segmentSlots: SlotAllocator; pool: TransferPool | null }
  /** This download's slot in the shared statistics (bytes, connections, its token bucket). */
  downloadSlot: number
  /** Per-host connection cap across all downloads: a slot for one more connection, or false. */
  acquireSlot(host: string): boolean
  releaseSlot(host: string): void
  /** Extra connections to `host` past this download's fair share: to hand over (HostAccount). */
  slotsOverShare(host: string): number
  /** Whether another running download holds a connection to `host`. */
  hostShared(host: string): boolean
}

/** 'paused': the transfer paused itself (a full disk), its data kept for a later resume. */
export type TransferOutcome = 'completed' | 'failed' | 'stopped' | 'paused'

/**
 * Runs one download to its end: probe, stream to `<name>.part` at offsets, checkpoint, retry
 * with backoff, verify, rename. Owns the record's state while running; `stop()` ends it with
 * all received bytes durable (pause, remove, shutdown).
 */
/** A file at the expected name, asked about before the download takes its name (#probeRange). */
type Probe = { name: string; size: number; lastByte: boolean }

export class DownloadTransfer {
  readonly record: DownloadRecord
  #ctx: TransferContext
  #abort = new AbortController()
  #part: PartFile | null = null
  #controlWritten = false
  /** The error `#partGone` made, so the run loop knows to start over. */
  #vanished: DownpourError | null = null
  /** performance.now() at construction: the age that spares short downloads an fsync. */
  #startedAt = performance.now()
  #checkpointTimer: NodeJS.Timeout | null = null
  #checkpointing: Promise<void> | null = null
  #running: Promise<TransferOutcome> | null = null
  /** Bumped when the part file starts over: a checkpoint begun before must not record it. */
  #generation = 0
  /**
   * Connections holding a byte range right now: the row's count, from the same state as the
   * connection map (`segmentMap().connections.length`), so the row and the details panel agree.
   */
  get connections(): number {
    return this.#fetch?.connections ?? (this.#single ? 1 : 0)
  }
  #pathCache: { dir: string; name: string; final: string; part: string } | null = null
  #url: URL | null = null
  /** Where the first connection's redirects ended: extra connections go straight there. */
  #finalUrl: URL | null = null
  /**
   * The server answered a range with the wrong bytes (Content-Range): no more Range requests in
   * this run; what is missing is read from a whole-file response, on one connection.
   */
  #rangesBroken = false
  /** The server answered a Range with the whole file: it does not do ranges (this run). */
  #rangesIgnored = false
  /**
   * The answer had no length (chunked) but said `Accept-Ranges: bytes`: a connection lost
   * midway is continued with `Range: bytes=N-`, as wget does, instead of starting over (issue
   * 23). Within this transfer only: with no length nothing records which bytes are durable.
   */
  #rangesForUnknownLength = false
  /**
   * The file "changed" again right after a restart for it: the server's answers disagree (two
   * backends behind one name, each with its own ETag), so connections of one version cannot be
   * had. The rest of this run uses one connection: one answer is one backend's file.
   */
  #oneConnection = false
  /** Restarts for a file changed on the server, this run. */
  #changes = 0
  /** The connections' progress while several run; the lone connection's otherwise (the map). */
  #fetch: SegmentedFetch | null = null
  #single: ConnectionRange | null = null
  /** The file at the download's name proved to be the download, complete (see IfExists). */
  #foundComplete = false
  /**
   * A file of `size` bytes at the name the download expects (IfExists 'done-if-same-size',
   * 'continue'): the first request asks for its last byte on (`#acceptProbe`). Once per run.
   */
  #probe: Probe | null = null
  #probed = false
  /**
   * A name #probeFor found nothing at (lstat: ENOENT) and when, for #judgeFileAt to take as free
   * once, within a second (a retry much later looks again).
   */
  #seenFree: { name: string; at: number } | null = null
  /** The name was just claimed: journaled with every field as it is, its `.part` created empty. */
  #claimedFresh = false
  /** Waited once for another run downloading the same file (#sameUrlElsewhere). */
  #waited = false

  constructor(record: DownloadRecord, ctx: TransferContext) {
    this.record = record
    this.#ctx = ctx
  }

  /** Bytes on disk or in flight to it, from the shared statistics (all threads count there). */
  get done(): number {
    this.record.done = this.#ctx.shared.stats.downloadBytes(this.#ctx.downloadSlot)
    return this.record.done
  }

  /** Copies the shared counter into the record (what snapshots and the queue file show). */
  #syncDone(): void {
    if (this.record.state !== 'completed') void this.done
  }

  #setDone(bytes: number): void {
    this.#ctx.shared.stats.setDownloadBytes(this.#ctx.downloadSlot, bytes)
    this.record.done = bytes
  }

  /** Bandwidth limits (global and this download's), shared with the worker threads. */
  #throttle = (bytes: number): Promise<void> | null => {
    const wait = this.#ctx.shared.stats.take(this.#ctx.downloadSlot, bytes)
    return wait > 0 ? new Promise((resolve) => setTimeout(resolve, wait)) : null
  }

  /** The connection map now: bytes received and where each open connection is. */
  segmentMap(): ReturnType<typeof buildSegmentMap> {
    return buildSegmentMap({
      size: this.record.size,
      written: this.#part?.written ?? [],
      segmented: this.#fetch?.progress() ?? null,
      single: this.#single,
    })
  }

  get partPath(): string {
    return this.#paths().part
  }

  get finalPath(): string {
    return this.#paths().final
  }

  /**
   * The paths of `name` (the record's by default) in the download's folder, joined again only
   * when the name changes: they are asked for often, and a new file's candidate name is the
   * record's name moments later.
   */
  #paths(name = this.record.name): { dir: string; name: string; final: string; part: string } {
    const { dir } = this.record
    const cached = this.#pathCache
    if (cached?.name === name && cached.dir === dir) return cached
    const final = join(dir, name)
    return (this.#pathCache = { dir, name, final, part: final + PART_SUFFIX })
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
      if ((await this.#loadResumeState()) === 'published') {
        this.#ctx.log('info', 'found complete on disk (published before the last run ended)')
        this.#completed()
        return 'completed'
      }
      this.#counting = true
      for (;;) {
        rec.tries++
        this.#setState(this.done > 0 || rec.size !== null ? 'downloading' : 'probing')
        const doneBefore = this.done
        try {
          // A size known from an earlier run: checked before a byte is asked for.
          await this.#checkSpace()
          await this.#attempt()
          if (this.#foundComplete) {
            this.#completed()
            return 'completed'
          }
          await this.#finish()
          return 'completed'
        } catch (caught) {
          if (this.stopped) return 'stopped'
          const error = caught instanceof DownpourError ? caught : classifyNetworkError(caught)
          if (error instanceof FileChangedError) this.#changedAgain()
          // Its bytes went to a file no name leads to: what is on disk now is nothing.
          if (error === this.#vanished) await this.#restartFromZero()
          rec.failuresInARow = this.done > doneBefore ? 1 : rec.failuresInARow + 1
          const decision = decideRetry({
            error,
            failuresInARow: rec.failuresInARow,
            maxTries: rec.maxTries ?? this.#ctx.settings().maxTries,
            baseDelayMs: this.#ctx.settings().retryWaitMs,
          })
          if (!decision.retry) return this.#giveUp(error)
          rec.error = error.toJSON()
          rec.nextRetryAt = Date.now() + decision.delayMs
          this.#ctx.shared.stats.countRetry()
          this.#ctx.log(
            'warn',
            `try ${rec.tries} failed (${error.message}); retrying in ${(decision.delayMs / 1000).toFixed(1)} s, ${this.#retryFrom(error)}`,
            error,
          )
          this.#setState('retrying')
          await this.#checkpoint().catch(() => {})
          await this.#sleep(decision.delayMs)
          if (this.stopped) return 'stopped'
          rec.nextRetryAt = null
        }
      }
    } catch (caught) {
      // Disk errors while preparing or finishing: no retry can fix a full disk by itself.
      if (this.stopped) return 'stopped'
      return this.#giveUp(caught instanceof DownpourError ? caught : classifyNetworkError(caught))
    } finally {
      this.#stopCheckpoints()
      await this.#checkpointing
      if (this.#part) {
        const pool = this.#ctx.shared.pool
        if (pool) this.#part.markWritten(await pool.closeFile(this.#part.path).catch(() => []))
        if (rec.state !== 'completed') await this.#checkpoint({ stopping: true }).catch(() => {})
        this.#syncDone()
        await this.#part.close()
        this.#part = null
      }
      // The name stays reserved (by the scheduler) for as long as the download exists.
    }
  }

  /**
   * The error of a `.part` that another program deleted or replaced while this download wrote
   * it (R10): retryable, and the retry starts from zero. Detected before the checksum and the
   * rename (a finished download is never named after bytes that are not in its file).
   */
  #partGone(): DownpourError {
    this.#vanished = new DownpourError(
      ERROR_CODES.disk,
      `${this.partPath} was deleted or replaced by another program before it was finished; downloading it again from the start`,
      { retryable: true },
    )
    return this.#vanished
  }

  /**
   * What the retry keeps, as the log says it. After a restart (a changed file, a vanished part)
   * nothing is held and the size is unknown until the next answer: that is "from the start",
   * not "the server cannot resume", which only a server that said so (or sent no size) earns.
   */
  #retryFrom(error: DownpourError): string {
    const rec = this.record
    if (error === this.#vanished || this.done === 0) return 'from the start'
    if (rec.resumable === false) return 'from the start (the server cannot resume this file)'
    if (rec.size === null) return 'from the start (the server did not send the size)'
    return `keeping ${this.done} bytes`
  }

  /** A file change seen once more in this run: its connections disagree (see #oneConnection). */
  #changedAgain(): void {
    this.#changes++
    if (this.#changes < 2 || this.#oneConnection) return
    this.#oneConnection = true
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
    this.#setState(pause ? 'paused' : 'failed')
    return pause ? 'paused' : 'failed'
  }

  /**
   * Reads what an earlier run left on disk: the control file's durable ranges; or 'published'
   * when a crash cut the publish short after its link (the `.part` is the final file: see
   * finishPublishing), which must never be opened for writing.
   */
  async #loadResumeState(): Promise<'published' | void> {
    const rec = this.record
    if (!rec.nameChosen) {
      this.#setDone(0)
      return
    }
    this.#ctx.reservedPaths.add(this.finalPath)
    // The folder is checked again (once per engine): a link planted in place of it while the
    // download was paused must not take its part file elsewhere.
    await this.#ctx.ensureDir(rec.dir)
    const published = await finishPublishing(this.partPath, this.finalPath).catch(
      (error: unknown) => {
        throw diskError(error, `cannot look at ${this.partPath}`, rec.dir)
      },
    )
    if (published !== null) {
      rec.size = published
      await removeControlFile(controlPathFor(this.partPath)).catch((error: Error) =>
        this.#ctx.log('warn', `could not delete the control file (${error.message})`),
      )
      return 'published'
    }
    const { data, problem } = await readControlFile(controlPathFor(this.partPath))
    if (problem) this.#ctx.log('warn', `${problem}; starting this file over`)
    const usable = data && data.url === redactUrl(rec.url) && fileExists(this.partPath)
    if (usable && data.durable.length > 0) {
      this.#part = await PartFile.open(this.partPath, 'resume')
      // The control file says what was durable; the part file says what is still there (it may
      // have been cut short since, by a person, a tool or a file system): trust only both.
      const { ranges, length } = await rangesOnDisk(this.#part, data.durable)
      if (totalBytes(ranges) < totalBytes(data.durable)) {
        this.#ctx.log(
          'warn',
          `the part file is shorter than its record (${length} of ${totalBytes(data.durable)} bytes); fetching the rest again`,
        )
      }
      this.#part.markWritten(ranges)
      this.#controlWritten = true
      rec.size ??= data.size
      rec.etag ??= data.etag
      rec.lastModified ??= data.lastModified
      this.#setDone(totalBytes(ranges))
    } else {
      this.#setDone(0)
    }
  }

  async #attempt(): Promise<void> {
    const rec = this.record
    let written = this.#part?.written ?? []
    // A complete part needs no server, resumable or not (its rename failed last time).
    const complete = rec.size !== null && missingRanges(written, rec.size).length === 0
    const continuesUnknown =
      rec.size === null &&
      this.#rangesForUnknownLength &&
      written.length === 1 &&
      written[0]!.start === 0
    if (
      !complete &&
      !continuesUnknown &&
      totalBytes(written) > 0 &&
      (rec.size === null || rec.resumable === false)
    ) {
      this.#ctx.log('info', 'the server cannot resume this file; starting over')
      await this.#restartFromZero()
      written = []
    }
    this.#setDone(totalBytes(written))
    const missing = rec.size !== null ? missingRanges(written, rec.size) : []
    if (rec.size !== null && missing.length === 0) return
    if (!rec.nameChosen && !this.#probed && this.#looksAtExisting()) {
      this.#probed = true
      this.#probe = await this.#probeFor(rec.name)
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
      await this.#restartFromZero()
      await this.#exchange(null)
    } finally {
      // Checkpoints run while bytes arrive; a try that ended leaves nothing new to record (the
      // retry path checkpoints once before it waits).
      this.#stopCheckpoints()
    }
  }

  /** One request (two when the server's ranges prove wrong) and its body. */
  async #exchange(from: ByteRange | null): Promise<void> {
    let first = from
    const rec = this.record
    let ranged = first !== null && !this.#rangesBroken
    for (;;) {
      const headers = this.#requestHeaders()
      if (this.#probe && !first) headers.range = this.#probeRange(this.#probe)
      else if (first && ranged) {
        headers.range = `bytes=${first.start}-${rec.size !== null && first.end < rec.size ? first.end - 1 : ''}`
        const validator = validatorOf(rec)
        if (validator) headers['if-range'] = validator
      }
      const { response, url } = await openFollowingRedirects(this.#ctx.dispatcher(), {
        url: (this.#url ??= new URL(rec.url)),
        headers,
        signal: this.#abort.signal,
      })
      this.#finalUrl = url
      this.#startCheckpoints()
      try {
        const body = await this.#acceptResponse(response, url, first ? first.start : null, ranged)
        if (body === 'complete') return
        if (body === 'again') {
          // A file found at the name holds the first bytes (IfExists 'continue'): this whole-file
          // answer is dropped and the rest asked for with a Range, as a resume does.
          // (Or the probe's answer was no use: the whole file is asked for.)
          response.abort(new Error('asking again'))
          if (this.#part) {
            first = missingRanges(this.#part.written, rec.size!)[0] ?? null
            if (first === null) return
            ranged = !this.#rangesBroken
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
          this.#rangesBroken = true
          ranged = false
          continue
        }
        if (rec.size === null) await this.#streamUnknownLength(response, body.at)
        else if (body.writeFrom > body.at) {
          await this.#streamOnThisConnection(response, body.at, rec.size, body.writeFrom)
          this.#throwIfMissing(this.#part!, rec.size)
        } else await this.#fetchSegments(response, body.at, rec.size, body.bodyEnd)
        return
      } catch (error) {
        // Never leave a paused socket behind (e.g. the folder could not be created).
        response.abort(error instanceof Error ? error : new Error(String(error)))
        throw error
      }
    }
  }

  /** Chunked bodies: one connection, the end of the body is the end of the file. */
  async #streamUnknownLength(response: OpenResponse, at: number): Promise<void> {
    this.record.size = await this.#streamOnThisConnection(response, at, null)
    this.#ctx.changed()
  }

  /**
   * The response's body into the part file from `offset`, up to `end` (null: to its end), on
   * this thread and this connection only: no segments, slots, ramp or worker. Returns where the
   * body stopped.
   */
  #streamOnThisConnection(
    response: OpenResponse,
    bodyAt: number,
    end: number | null,
    writeFrom = bodyAt,
  ): Promise<number> {
    const { stats } = this.#ctx.shared
    const slot = this.#ctx.downloadSlot
    let position = writeFrom
    const single = (this.#single = { start: writeFrom, pos: writeFrom, end: end ?? writeFrom })
    return streamBody(response, {
      part: this.#part!,
      offset: writeFrom,
      // Bytes before the first missing one are already here (a whole-file fallback).
      skip: writeFrom - bodyAt,
      // A server sending more than the range it announced must not write past the file's end.
      claim:
        end === null
          ? undefined
          : (bytes) => {
              const taken = Math.min(bytes, end - position)
              position += taken
              return taken
            },
      signal: this.#abort.signal,
      timeoutMs: this.#ctx.settings().timeoutMs,
      lowestSpeed: this.#ctx.settings().lowestSpeedLimit,
      throttle: this.#throttle,
      onBytes: (n) => {
        stats.addBytes(slot, n)
        single.pos += n
        if (end === null) single.end = single.pos
      },
    }).finally(() => (this.#single = null))
  }

  /** Known size: every missing byte, over as many connections as help (see SegmentedFetch). */
  async #fetchSegments(
    response: OpenResponse,
    offset: number,
    size: number,
    bodyEnd: number | null,
  ): Promise<void> {
    const rec = this.record
    const part = this.#part!
    const missing = missingRanges(part.written, size)
    const firstEnd = missing.find((g) => g.start <= offset && g.end > offset)?.end ?? size
    const firstRange = { start: offset, end: firstEnd }
    const settings = this.#ctx.settings
    const host = (this.#url ??= new URL(rec.url))
    // A server that did not say whether it does ranges is tried (curl and aria2 do the same):
    // an extra connection's answer tells.
    const segmentable =
      rec.resumable !== false &&
      !this.#rangesBroken &&
      !this.#oneConnection &&
      totalBytes(missing) >= 2 * settings().minSplitSize
    if (!segmentable && missing.length === 1) {
      // Too little to split, one range missing (every small file): read it right here. The
      // segment machinery would cost more than such a file's bytes do.
      await this.#streamOnThisConnection(response, offset, firstEnd)
      this.#throwIfMissing(part, size)
      return
    }
    // Give the file its full length up front (sparse: Node has no fallocate), so writes at any
    // offset land inside it and a short disk shows up as an error now rather than at the end.
    if (segmentable && offset === 0 && missing.length === 1) await part.truncate(size)
    const fetch = new SegmentedFetch({
      part,
      gaps: subtractRange(missing, firstRange),
      first: { response, range: firstRange, bodyEnd: bodyEnd ?? firstEnd },
      // Too little left to split: stay on one connection (no worker thread, no ramp-up).
      segmentable,
      request: {
        url: rec.url,
        ...(this.#finalUrl && this.#finalUrl.href !== host.href
          ? { finalUrl: this.#finalUrl.href }
          : {}),
        headers: this.#requestHeaders(),
        validator: validatorOf(rec),
        size,
      },
      onRanges: (served) => {
        // A 206 proves ranges whatever Accept-Ranges said; ignoring one disproves an unknown.
        if (!served) this.#rangesIgnored = true
        const resumable = served ? true : rec.resumable === null ? false : rec.resumable
        if (resumable === rec.resumable) return
        rec.resumable = resumable
        this.#ctx.changed()
      },
      onRangesBroken: () => (this.#rangesBroken = true),
      maxConnections: () => rec.maxConnections ?? settings().maxConnectionsPerDownload,
      minSplit: () => settings().minSplitSize,
      shared: this.#ctx.shared,
      downloadSlot: this.#ctx.downloadSlot,
      dispatcher: () => this.#ctx.dispatcher(),
      acquireSlot: () => this.#ctx.acquireSlot(host.host),
      releaseSlot: () => this.#ctx.releaseSlot(host.host),
      overShare: () => this.#ctx.slotsOverShare(host.host),
      hostShared: () => this.#ctx.hostShared(host.host),
      signal: this.#abort.signal,
      timeoutMs: settings().timeoutMs,
      lowestSpeed: settings().lowestSpeedLimit,
      throttle: this.#throttle,
      limits: () => ({ download: rec.speedLimit, overall: settings().maxOverallDownloadLimit }),
      log: (message) => this.#ctx.log('info', message),
      isBackoffSignal: (error) =>
        error instanceof DownpourError &&
        error.code === ERROR_CODES.httpRetryable &&
        /\b(429|503)\b/.test(error.message),
    })
    this.#fetch = fetch
    try {
      await fetch.run()
    } finally {
      this.#fetch = null
      // Bytes the worker threads wrote count as written here too (for the next resume range).
      if (this.#ctx.shared.pool)
        part.markWritten(await this.#ctx.shared.pool.flush(part.path, false))
    }
    this.#throwIfMissing(part, size)
  }

  /** A connection that ended early leaves bytes missing: a retry (which keeps the rest) fetches them. */
  #throwIfMissing(part: PartFile, size: number): void {
    const left = missingRanges(part.written, size)
    if (left.length > 0) {
      throw new DownpourError(ERROR_CODES.network, `${totalBytes(left)} bytes still missing`, {
        retryable: true,
      })
    }
  }

  /**
   * Acts on what the first connection's response means for the file (judge-response.ts): where
   * its body starts and from where it is written, that the file is already complete, or that
   * the server's range is unusable ('bad-range': ask again without one). Restarts from 0 when
   * the server ignored the Range or the file changed, saying so in the log.
   */
  async #acceptResponse(
    response: OpenResponse,
    url: URL,
    askedFrom: number | null,
    ranged: boolean,
  ): Promise<
    { at: number; writeFrom: number; bodyEnd: number | null } | 'complete' | 'bad-range' | 'again'
  > {
    const rec = this.record
    const probe = this.#probe
    this.#probe = null
    if (probe && (response.status === 206 || response.status === 416)) {
      const found = await this.#acceptProbe(response, url, probe)
      if (found === 'complete') response.discard()
      return found
    }
    const verdict = judgeResponse(
      response.status,
      response.headers,
      url,
      { from: askedFrom, ranged },
      { ...rec, bytes: totalBytes(this.#part?.written ?? []) },
    )
    switch (verdict.kind) {
      case 'complete':
        response.discard()
        return 'complete'
      case 'fail':
        response.discard()
        throw verdict.error
      case 'restart':
        response.discard()
        this.#ctx.log('warn', verdict.warn)
        await this.#restartFromZero()
        throw verdict.error
      case 'bad-range':
        response.abort(new Error('wrong Content-Range'))
        this.#ctx.log('warn', verdict.warn)
        return 'bad-range'
    }
    for (const message of verdict.warn) this.#ctx.log('warn', message)
    if (verdict.rangesIgnored) this.#rangesIgnored = true
    if (verdict.restart) await this.#restartFromZero()
    if (verdict.adopt) {
      const found = await this.#adoptMetadata(response, url, verdict.adopt)
      if (found === 'complete') {
        response.discard()
        return 'complete'
      }
      if (found === 'again') return 'again'
    } else if (verdict.rangesConfirmed && rec.resumable !== true && rec.size !== null) {
      // (A 206 to a download of no length continues it now, but no record of durable bytes
      // lets a pause resume it: it stays not resumable.)
      rec.resumable = true
      this.#ctx.changed()
    }
    for (const message of verdict.info) this.#ctx.log('info', message)
    return { at: verdict.at, writeFrom: verdict.writeFrom, bodyEnd: verdict.bodyEnd }
  }

  async #adoptMetadata(
    response: OpenResponse,
    url: URL,
    adopted: Adopted,
  ): Promise<'complete' | 'again' | null> {
    const rec = this.record
    const { size, resumable } = adopted
    rec.size = size
    rec.etag = adopted.etag
    rec.lastModified = adopted.lastModified
    // Unknown (no Accept-Ranges) is tried, unless this run already saw ranges ignored.
    rec.resumable = size === null ? false : (resumable ?? (this.#rangesIgnored ? false : null))
    this.#rangesForUnknownLength = size === null && resumable === true
    rec.finalUrl = url.href
    // The size just became known: nothing is written (no name chosen, no `.part` made) for a
    // file that will not fit.
    await this.#checkSpace()
    let found: 'complete' | 'again' | null = null
    if (!rec.nameChosen) {
      await this.#ctx.ensureDir(rec.dir)
      found = await this.#chooseName(response, url)
    } else if (!this.#part && this.#looksAtExisting()) {
      // The name was taken for a file found there, and the run ended before that file became
      // the `.part` (or was found complete): the same decision again. The `.part`, if any, is
      // this download's (the journal names it).
      const verdict = await this.#judgeFileAt(rec.name, size)
      if (verdict.kind === 'complete' || verdict.kind === 'continue')
        found = await this.#takeExisting(verdict, true)
    }
    if (found === 'complete') return found
    if (!this.#part) this.#part = await PartFile.open(this.partPath, 'fresh')
    // The claim journaled the record as it is now, moments ago, then made its empty `.part`:
    // the state moving on from probing needs no line of its own (a restart reads probing and
    // downloading alike: queued again). One journal line fewer per new file.
    const journaled = found === null && this.#claimedFresh
    this.#claimedFresh = false
    // The server answered with the file: from here bytes flow, whatever the attempt began as.
    if (rec.state === 'probing') rec.state = 'downloading'
    this.#ctx.changed({ journal: !journaled })
    return found
  }

  /**
   * Refuses to go on (DP_ERR_DISK_FULL: the download pauses, its bytes kept) when the rest of
   * a file of known size cannot fit in what its folder's file system has free. Downloads that
   * run side by side each see what is free now: together they may still fill the disk, and
   * then ENOSPC pauses them as before.
   */
  async #checkSpace(): Promise<void> {
    const rec = this.record
    if (rec.size === null || rec.size - this.done <= 0) return
    let free = await this.#ctx.freeSpace(rec.dir)
    if (spaceShortfall(rec.size, this.done, free) === null) return
    // A refusal is never made on a remembered figure: asked again, now.
    free = await this.#ctx.freeSpace(rec.dir, true)
    const short = spaceShortfall(rec.size, this.done, free)
    if (short !== null) throw notEnoughSpace(short, free!, rec.dir)
  }

  /**
   * The file at `name` a first request can ask about with a Range of its last byte on: a
   * regular file with bytes and no aria2 control file (aria2 allocates the whole file first, so
   * its size says nothing: the plain request and its `.aria2` decide), not one another download
   * of this engine saves.
   */
  async #probeFor(name: string): Promise<Probe | null> {
    const path = this.#paths(name).final
    if (this.#ctx.reservedPaths.has(path)) return null
    let info: Stats | null
    try {
      info = lookAt(path)
    } catch {
      return null // unreadable: the first request asks for the whole file
    }
    if (!info) this.#seenFree = { name, at: performance.now() }
    if (!info?.isFile() || info.size === 0) return null
    if (fileExists(path + ARIA2_SUFFIX)) return null
    return { name, size: info.size, lastByte: this.record.ifExists !== 'continue' }
  }

  /**
   * The Range that asks about a file of `size` bytes at the name: with 'continue' the rest of
   * the file from its end (a 416 for exactly that total: complete; a 206: the continuation
   * itself), else — or after a 416 without the total (lighttpd sends none) — its last byte
   * alone (the total in the answer's Content-Range tells).
   */
  #probeRange({ size, lastByte }: Probe): string {
    return lastByte ? `bytes=${size - 1}-${size - 1}` : `bytes=${size}-`
  }

  /**
   * The answer to the probe (#probeRange): the file is complete when the server's total is its
   * size (and its name the one the answer gives: Content-Disposition may name another file);
   * with 'continue', a 206 from its end continues it — this answer's body is the rest. Any
   * other answer (another total, a compressed range, another name) is of no use: 'again' asks
   * for the whole file as a new download does, which then decides (rename, overwrite, …). A 200
   * never comes here: it is that answer.
   */
  async #acceptProbe(
    response: OpenResponse,
    url: URL,
    probe: Probe,
  ): Promise<'complete' | 'again' | { at: number; writeFrom: number; bodyEnd: number | null }> {
    const rec = this.record
    const suggested =
      rec.requestedName ??
      suggestFileName({
        contentDisposition: header(response.headers, 'content-disposition'),
        url,
        contentType: header(response.headers, 'content-type'),
      })
    const continuing = !probe.lastByte
    let total: number | null = null
    let rest: { start: number; end: number } | null = null
    if (response.status === 416) {
      total = continuing
        ? parseUnsatisfiedRangeTotal(header(response.headers, 'content-range'))
        : null
      if (continuing && total === null) {
        // No total given (lighttpd): the answer for its last byte will tell.
        this.#probe = { ...probe, lastByte: true }
        return 'again'
      }
      if (total !== probe.size) total = null
    } else {
      const range = parseContentRange(header(response.headers, 'content-range'))
      const expected = continuing ? probe.size : probe.size - 1
      if (range && range.start === expected && range.total !== null) {
        total = range.total
        if (continuing) rest = { start: range.start, end: range.end }
      }
    }
    if (total === null || suggested !== probe.name || contentCodings(response.headers).length > 0)
      return 'again'
    const verdict = await this.#judgeFileAt(probe.name, total)
    if (verdict.kind !== 'complete' && verdict.kind !== 'continue') return 'again'
    rec.size = total
    rec.etag = strongEtag(header(response.headers, 'etag'))
    rec.lastModified = header(response.headers, 'last-modified')
    rec.resumable = response.status === 206 ? true : rec.resumable
    rec.finalUrl = url.href
    await this.#ctx.ensureDir(rec.dir)
    const taken = await this.#takeNamed(probe.name, verdict)
    this.#ctx.changed()
    if (taken === 'complete') return 'complete'
    if (taken !== 'again' || !rest || !this.#part) return 'again'
    if (missingRanges(this.#part.written, total)[0]?.start !== rest.start) return 'again'
    if (rec.state === 'probing') rec.state = 'downloading'
    return { at: rest.start, writeFrom: rest.start, bodyEnd: rest.end }
  }

  /**
   * Whether `name.part` is another download's of this same URL (its control file says so, or
   * it has none yet) while another engine is live; if so, waits — saying so once, naming the
   * folder and the file — until that `.part` is gone or no other engine is live. Returns whether
   * it waited. A kill -9 of the other run ends the wait (its lock's pid is dead); its `.part`
   * is then this download's to take over in place (claimUniqueName's canAdopt).
   */
  async #sameUrlElsewhere(name: string): Promise<boolean> {
    const rec = this.record
    const part = this.#paths(name).part
    if (!fileExists(part)) return false
    const { data } = await readControlFile(controlPathFor(part))
    if (data && (data.id === rec.id || data.url !== redactUrl(rec.url))) return false
    let told = false
    for (;;) {
      if (this.stopped || !fileExists(part)) return told
      const other = await this.#ctx.othersLive()
      if (!other) return told
      if (!told)
        this.#ctx.log(
          'warn',
          `${other} is downloading ${name} into ${rec.dir}; waiting for it to finish…`,
        )
      told = true
      await this.#sleep(250)
    }
  }

  /** Whether this download looks at a file already at its name (every IfExists but 'rename'). */
  #looksAtExisting(): boolean {
    const policy = this.record.ifExists
    return policy === 'done-if-same-size' || policy === 'continue'
  }

  /** What is at `name` in the download's folder, and what the download's policy makes of it. */
  async #judgeFileAt(name: string, serverSize: number | null): Promise<ExistingVerdict> {
    const rec = this.record
    const seen = this.#seenFree
    this.#seenFree = null
    if (seen?.name === name && performance.now() - seen.at < 1000) {
      // Looked at moments ago, before the first request (#probeFor): nothing there. One look
      // per new file, not two; a file that appears since is found at publishing (link: EEXIST).
      return judgeExisting(rec.ifExists, name, { kind: 'none' }, serverSize)
    }
    const path = this.#paths(name).final
    let info: Stats | null
    try {
      info = lookAt(path)
    } catch (error) {
      throw diskError(error, `cannot look at ${path}`, rec.dir)
    }
    const found: FoundFile = !info
      ? { kind: 'none' }
      : !info.isFile()
        ? { kind: 'not-a-file' }
        : {
            kind: 'file',
            size: info.size,
            aria2: rec.ifExists === 'rename' ? null : await readAria2Control(path),
          }
    const verdict = judgeExisting(rec.ifExists, name, found, serverSize)
    if (verdict.kind !== 'complete' || !rec.checksum) return verdict
    // The size matches; the checksum given decides.
    const actual = await hashFile(path, rec.checksum.algorithm, { signal: this.#abort.signal })
    if (actual === rec.checksum.hex.toLowerCase()) return verdict
    const note = `${name} has the server's size but ${rec.checksum.algorithm} ${actual}, not the ${rec.checksum.hex.toLowerCase()} given`
    return rec.ifExists === 'continue'
      ? { kind: 'overwrite', note: `${note}; downloading it again in its place` }
      : { kind: 'rename', note }
  }

  /**
   * Takes the name of a file found complete (nothing is fetched) or to be continued: for
   * 'continue' the file becomes the `.part` (one rename, after this download claimed that
   * `.part` with O_EXCL, so another download's is never replaced) with the bytes it holds, and
   * the caller asks the server for the rest. A kill between the claim and the rename leaves an
   * empty `.part` the journal names and the file untouched: the rerun decides again.
   */
  async #takeExisting(
    verdict: Extract<ExistingVerdict, { kind: 'complete' | 'continue' }>,
    partIsOurs: boolean,
  ): Promise<'complete' | 'again' | null> {
    const rec = this.record
    if (verdict.kind === 'complete') {
      this.#foundComplete = true
      this.#ctx.log(
        'info',
        `${ALREADY_COMPLETE}: the file at its name has the server's size (${rec.size} bytes)${rec.checksum ? ' and the checksum given' : ''}`,
      )
      return 'complete'
    }
    if (!partIsOurs) {
      try {
        const claim = await PartFile.open(this.partPath, 'exclusive')
        await claim.close()
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') return null
        throw error
      }
    }
    await rename(this.finalPath, this.partPath).catch((error: unknown) => {
      throw diskError(error, `cannot continue ${this.finalPath}`, rec.dir)
    })
    // aria2's record of it is ours now (the control file written at the first checkpoint).
    await rm(this.finalPath + ARIA2_SUFFIX, { force: true })
    this.#part = await PartFile.open(this.partPath, 'resume')
    this.#part.markWritten(verdict.ranges)
    this.#setDone(totalBytes(verdict.ranges))
    this.#ctx.log('warn', verdict.note)
    return 'again'
  }

  /**
   * Takes `name` for a file found there: reserved, journaled, then the file taken as it is
   * (complete, continued) or its `.part` claimed to replace it when complete. 'busy': another
   * download's `.part` has that name (nothing was taken).
   */
  async #takeNamed(
    name: string,
    verdict: Extract<ExistingVerdict, { kind: 'complete' | 'continue' | 'overwrite' }>,
  ): Promise<'complete' | 'again' | 'claimed' | 'busy'> {
    const rec = this.record
    const unclaimed = rec.name
    const wanted = this.#paths(name).final
    this.#ctx.reservedPaths.add(wanted)
    rec.name = name
    rec.nameChosen = true
    let taken: 'complete' | 'again' | 'claimed' | null = null
    try {
      this.#ctx.journal()
      if (verdict.kind === 'overwrite') {
        this.#part = await PartFile.open(this.partPath, 'exclusive')
        if (verdict.note) this.#ctx.log('warn', verdict.note)
        taken = 'claimed'
      } else taken = await this.#takeExisting(verdict, false)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        this.#ctx.reservedPaths.delete(wanted)
        rec.name = unclaimed
        rec.nameChosen = false
        throw error
      }
    }
    if (taken !== null) return taken
    this.#ctx.reservedPaths.delete(wanted)
    rec.name = unclaimed
    rec.nameChosen = false
    return 'busy'
  }

  /**
   * Claims the download's name: the one asked for or suggested when free, else what the
   * download's IfExists makes of the file there (complete, continued, replaced, an error), else
   * the first free ` (n)` name, saying why.
   */
  async #chooseName(response: OpenResponse, url: URL): Promise<'complete' | 'again' | null> {
    const rec = this.record
    const suggested =
      rec.requestedName ??
      suggestFileName({
        contentDisposition: header(response.headers, 'content-disposition'),
        url,
        contentType: header(response.headers, 'content-type'),
      })
    const unclaimed = rec.name
    let note: string | null = null
    let seenFree = false
    const wanted = this.#paths(suggested).final
    if (rec.ifExists !== 'rename' && !this.#ctx.reservedPaths.has(wanted)) {
      const verdict = await this.#judgeFileAt(suggested, rec.size)
      seenFree = verdict.kind === 'free'
      if (verdict.kind === 'fail')
        throw new DownpourError(ERROR_CODES.fileExists, `${wanted} already exists; not replaced`)
      if (verdict.kind === 'rename') note = verdict.note
      else if (verdict.kind !== 'free') {
        const taken = await this.#takeNamed(suggested, verdict)
        if (taken !== 'busy') return taken === 'claimed' ? null : taken
        note = `${suggested}.part belongs to another download`
      }
      if (verdict.kind === 'free' && !this.#waited && (await this.#sameUrlElsewhere(suggested))) {
        // Another run downloads this very file here: wait for it, then decide again (its
        // complete file is then this download, complete).
        this.#waited = true
        return this.#chooseName(response, url)
      }
    }
    const claimed = await claimUniqueName(
      rec.dir,
      suggested,
      this.#ctx.reservedPaths,
      async (candidate) => {
        // The name reaches the journal before its `.part` exists (the append that the first
        // save of a chosen name always cost, moved before the create): a crash between the two
        // leaves a record naming a `.part` not made yet, never a `.part` that no record names
        // (the rerun would find it taken and save `name (1)`).
        rec.name = candidate
        rec.nameChosen = true
        this.#ctx.journal()
        try {
          this.#part = await PartFile.open(this.#paths(candidate).part, 'exclusive')
          this.#claimedFresh = true
          return 'created'
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'EEXIST') return 'exists'
          throw error
        }
      },
      async (candidate) => {
        // A `.part` this same download left behind (state lost in a crash) may be taken over;
        // another download's never, though it fetches the same URL.
        const part = this.#paths(candidate).part
        const { data } = await readControlFile(controlPathFor(part))
        if (data?.id === rec.id && data.url === redactUrl(rec.url)) return true
        // The run this download waited for (#sameUrlElsewhere) died with its `.part` of this
        // URL here: started again in place, not beside it as `name (1)`.
        return (
          this.#waited &&
          candidate === suggested &&
          (data === null || data.url === redactUrl(rec.url)) &&
          (await this.#ctx.othersLive()) === null
        )
      },
      seenFree,
    ).catch((error: unknown) => {
      // No name is held: a later try claims one again (the journal may name a candidate whose
      // `.part` was never made; the rerun creates it).
      rec.name = unclaimed
      rec.nameChosen = false
      throw error
    })
    rec.name = claimed.name
    rec.nameChosen = true
    this.#ctx.reservedPaths.add(this.finalPath)
    if (claimed.name !== suggested) {
      // Said only when it happens (no extra look at the folder for every new file).
      note ??= fileExists(wanted) ? `${suggested} exists` : null
      if (note) this.#ctx.log('warn', `${note}; saving as ${claimed.name}`)
    }
    return null
  }

  async #restartFromZero(): Promise<void> {
    const rec = this.record
    this.#generation++
    await this.#checkpointing
    await this.#ctx.shared.pool?.closeFile(this.partPath)
    // A timer checkpoint may have started during that round trip: let it end before the
    // control file goes, or it could write the old ranges after removeControlFile.
    while (this.#checkpointing) await this.#checkpointing
    this.#setDone(0)
    rec.size = null
    rec.etag = null
    rec.lastModified = null
    if (this.#part) {
      await this.#part.close()
      this.#part = await PartFile.open(this.partPath, 'fresh')
    }
    await removeControlFile(controlPathFor(this.partPath))
    this.#controlWritten = false
    this.#ctx.changed()
  }

  async #finish(): Promise<void> {
    const rec = this.record
    this.#stopCheckpoints()
    await this.#checkpointing
    // The part stays open (and owned) until the rename: if anything below fails or the user
    // pauses, the run's cleanup checkpoints it and the next attempt finds every byte in place.
    this.#part ??= await PartFile.open(this.partPath, 'resume')
    const part = this.#part
    // Worker threads let go of the file first (their bytes durable if this one gets fsynced).
    const pool = this.#ctx.shared.pool
    if (pool) part.markWritten(await pool.closeFile(part.path))
    // Long downloads had checkpoints; make the end durable too. Short ones cost no fsync (as curl).
    if (this.#controlWritten) await part.sync()
    else await part.flush()
    if (!part.stillAtPath()) throw this.#partGone()
    if (rec.size === null) rec.size = this.done
    // The name and size reach the journal before the file gets its name (a size learnt from
    // the body's end, or a new one after a restart, would wait for the coalesced save): a
    // crash right after publishing then finds a record that proves the file complete, instead
    // of fetching it again as `name (1)`. A new download's were journaled with its name.
    if (!this.#ctx.journaled()) this.#ctx.journal()
    if (rec.checksum) {
      this.#setState('verifying')
      const actual = pool
        ? await pool.hash(
            this.partPath,
            rec.checksum.algorithm,
            this.#ctx.downloadSlot,
            this.#abort.signal,
          )
        : await hashFile(this.partPath, rec.checksum.algorithm, { signal: this.#abort.signal })
      if (actual !== rec.checksum.hex.toLowerCase()) {
        // These bytes are wrong: a retry must fetch them again, not trust them.
        await removeControlFile(controlPathFor(this.partPath))
        this.#controlWritten = false
        part.forgetWritten()
        throw new DownpourError(
          ERROR_CODES.checksumMismatch,
          `${rec.checksum.algorithm} mismatch: expected ${rec.checksum.hex.toLowerCase()}, got ${actual}`,
        )
      }
    }
    if (this.stopped) throw this.#abort.signal.reason
    await placeDownload(part, rec, {
      reserved: this.#ctx.reservedPaths,
      controlWritten: this.#controlWritten,
      log: (level, message) => this.#ctx.log(level, message),
      journal: () => this.#ctx.journal(),
      replace: rec.ifExists === 'overwrite' || rec.ifExists === 'continue',
    })
    this.#part = null
    this.#completed()
  }

  #completed(): void {
    const rec = this.record
    this.#setDone(rec.size ?? this.done)
    rec.error = null
    rec.completedAt = Date.now()
    this.#setState('completed')
  }

  #startCheckpoints(): void {
    this.#checkpointTimer ??= setInterval(() => {
      if (this.#checkpointing) return
      // A tick comes a full interval after bytes began to flow: it checkpoints, without asking
      // the wall clock again. (Date.now() against the timers' monotonic, loop-cached clock could
      // find 999 ms at the first tick and skip it: nothing durable until 2 s, and a kill -9 at
      // 2 s into a slow download lost all of it.)
      this.#checkpointing = this.#checkpoint({ due: true })
        .catch((error: unknown) =>
          this.#ctx.log('warn', `checkpoint failed: ${(error as Error).message}`),
        )
        .finally(() => {
          this.#checkpointing = null
        })
    }, CHECKPOINT_MS)
    this.#checkpointTimer.unref()
  }

  #stopCheckpoints(): void {
    if (this.#checkpointTimer) clearInterval(this.#checkpointTimer)
    this.#checkpointTimer = null
  }

  /**
   * fsync the data, then record what is durable in the control file. Short-lived downloads get
   * no control file (and no fsync) until they have lived one checkpoint interval — unless they
   * are being stopped, which always leaves a resumable state behind.
   */
  async #checkpoint(when: { stopping?: boolean; due?: boolean } = {}): Promise<void> {
    const part = this.#part
    const rec = this.record
    if (!part || !rec.nameChosen) return
    if (!when.stopping && !when.due && performance.now() - this.#startedAt < CHECKPOINT_MS) return
    if (rec.resumable === false || rec.size === null) {
      await part.flush()
      return
    }
    // Worker threads' writes first (flushed to the OS), then one fdatasync covers the inode.
    const pool = this.#ctx.shared.pool
    if (pool) part.markWritten(await pool.flush(part.path, false))
    const generation = this.#generation
    const durable: ByteRange[] = await part.sync()
    if (generation !== this.#generation || part !== this.#part) return
    if (durable.length === 0 && !this.#controlWritten) return
    // A control file beside a `.part` another program deleted would describe bytes no file has.
    if (!part.stillAtPath()) return
    await writeControlFile(controlPathFor(this.partPath), {
      version: 1,
      id: rec.id,
      url: redactUrl(rec.url),
      size: rec.size,
      etag: rec.etag,
      lastModified: rec.lastModified,
      durable,
      savedAt: Date.now(),
    })
    this.#controlWritten = true
  }

  #requestHeaders(): Record<string, string> {
    return buildRequestHeaders(this.#ctx.settings(), this.record.headers)
  }

  #setState(state: DownloadRecord['state']): void {
    if (this.record.state === state) return
    this.record.state = state
    this.#ctx.changed()
  }

  /** Waits for the next try; a pause, removal or shutdown ends the wait at once. */
  #sleep(ms: number): Promise<void> {
    const signal = this.#abort.signal
    if (signal.aborted) return Promise.resolve()
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms)
      signal.addEventListener('abort', done, { once: true })
      function done(): void {
        clearTimeout(timer)
        signal.removeEventListener('abort', done)
        resolve()
      }
    })
  }
}

export async function deletePartFiles(dir: string, name: string): Promise<void> {
  const part = join(dir, name + PART_SUFFIX)
  await rm(part, { force: true })
  await rm(controlPathFor(part), { force: true })
}
