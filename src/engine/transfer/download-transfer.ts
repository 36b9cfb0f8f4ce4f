import { rename } from 'node:fs'
import { promisify } from 'node:util'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { Dispatcher } from 'undici'
import { DownpourError, ERROR_CODES } from '../../shared/protocol/errors.ts'
import type { Settings } from '../../shared/protocol/model.ts'
import type { LogLevel } from '../../shared/protocol/events.ts'
import { redactUrl } from '../../shared/protocol/url.ts'
import type { DownloadRecord } from '../scheduler/download-record.ts'
import { decideRetry } from '../scheduler/retry-policy.ts'
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
import { syncDirectory } from '../storage/atomic-file.ts'
import { suggestFileName } from '../naming/suggest-file-name.ts'
import { claimUniqueName, pickUniqueName } from '../naming/unique-name.ts'
import { hashFile } from '../checksum/hash-file.ts'
import { openFollowingRedirects } from './follow-redirects.ts'
import { errorForStatus, classifyNetworkError } from './classify-error.ts'
import {
  header,
  parseContentLength,
  parseContentRange,
  parseUnsatisfiedRangeTotal,
  strongEtag,
} from './response-headers.ts'
import type { OpenResponse } from './open-response.ts'
import { streamBody } from './stream-body.ts'
import { SegmentedFetch } from './segmented-fetch.ts'
import type { TransferPool } from './transfer-pool.ts'
import type { SharedStats, SlotAllocator } from '../stats/shared-stats.ts'
import { fileExists } from '../storage/file-exists.ts'

/** fsync + control file every this often while bytes flow (a crash re-fetches at most this much). */
export const CHECKPOINT_MS = 1000

export type TransferContext = {
  dispatcher: Dispatcher
  settings(): Settings
  /** Absolute final paths claimed by running downloads, so two never pick the same name. */
  reservedPaths: Set<string>
  /** Creates a destination folder once per engine (not once per file). */
  ensureDir(dir: string): Promise<void>
  log(level: LogLevel, message: string, error?: DownpourError): void
  /** The record's persisted fields changed (state, name, size, validators…). */
  changed(): void
  /** Shared statistics, segment slots and the transfer worker pool of the engine. */
  shared: { stats: SharedStats; segmentSlots: SlotAllocator; pool: TransferPool | null }
  /** This download's slot in the shared statistics (bytes, connections, its token bucket). */
  downloadSlot: number
  /** Per-host connection cap across all downloads: a slot for one more connection, or false. */
  acquireSlot(host: string): boolean
  releaseSlot(host: string): void
}

export type TransferOutcome = 'completed' | 'failed' | 'stopped'

/**
 * Runs one download to its end: probe, stream to `<name>.part` at offsets, checkpoint, retry
 * with backoff, verify, rename. Owns the record's state while running; `stop()` ends it with
 * all received bytes durable (pause, remove, shutdown).
 */
export class DownloadTransfer {
  readonly record: DownloadRecord
  #ctx: TransferContext
  #abort = new AbortController()
  #part: PartFile | null = null
  #controlWritten = false
  #startedAt = Date.now()
  #checkpointTimer: NodeJS.Timeout | null = null
  #checkpointing: Promise<void> | null = null
  #running: Promise<TransferOutcome> | null = null
  /** Bumped when the part file starts over: a checkpoint begun before must not record it. */
  #generation = 0
  /** Open HTTP exchanges (for the UI's connection count). */
  connections = 0
  #pathCache: { dir: string; name: string; final: string; part: string } | null = null
  #url: URL | null = null

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

  get partPath(): string {
    return this.#paths().part
  }

  get finalPath(): string {
    return this.#paths().final
  }

  /** The record's paths, joined again only when its name changes (they are asked for often). */
  #paths(): { dir: string; name: string; final: string; part: string } {
    const { dir, name } = this.record
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

  async #run(): Promise<TransferOutcome> {
    const rec = this.record
    try {
      await this.#loadResumeState()
      for (;;) {
        rec.tries++
        this.#setState(this.done > 0 || rec.size !== null ? 'downloading' : 'probing')
        const doneBefore = this.done
        try {
          await this.#attempt()
          await this.#finish()
          return 'completed'
        } catch (caught) {
          if (this.stopped) return 'stopped'
          const error = caught instanceof DownpourError ? caught : classifyNetworkError(caught)
          rec.failuresInARow = this.done > doneBefore ? 1 : rec.failuresInARow + 1
          const decision = decideRetry({
            error,
            failuresInARow: rec.failuresInARow,
            maxTries: rec.maxTries ?? this.#ctx.settings().maxTries,
            baseDelayMs: this.#ctx.settings().retryWaitMs,
          })
          if (!decision.retry) {
            rec.error = error.toJSON()
            rec.nextRetryAt = null
            this.#ctx.log('error', `failed: ${error.message}`, error)
            this.#setState('failed')
            return 'failed'
          }
          rec.error = error.toJSON()
          rec.nextRetryAt = Date.now() + decision.delayMs
          this.#ctx.shared.stats.countRetry()
          this.#ctx.log(
            'warn',
            `try ${rec.tries} failed (${error.message}); retrying in ${(decision.delayMs / 1000).toFixed(1)} s, keeping ${this.done} bytes`,
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
      const error = caught instanceof DownpourError ? caught : classifyNetworkError(caught)
      rec.error = error.toJSON()
      this.#ctx.log('error', `failed: ${error.message}`, error)
      this.#setState('failed')
      return 'failed'
    } finally {
      this.#stopCheckpoints()
      await this.#checkpointing
      if (this.#part) {
        const pool = this.#ctx.shared.pool
        if (pool) this.#part.markWritten(await pool.closeFile(this.#part.path).catch(() => []))
        if (rec.state !== 'completed') await this.#checkpoint(true).catch(() => {})
        this.#syncDone()
        await this.#part.close()
        this.#part = null
      }
      // The name stays reserved (by the scheduler) for as long as the download exists.
    }
  }

  /** Reads what an earlier run left on disk: the control file's durable ranges. */
  async #loadResumeState(): Promise<void> {
    const rec = this.record
    if (!rec.nameChosen) {
      this.#setDone(0)
      return
    }
    this.#ctx.reservedPaths.add(this.finalPath)
    const { data, problem } = await readControlFile(controlPathFor(this.partPath))
    if (problem) this.#ctx.log('warn', `${problem}; starting this file over`)
    const usable = data && data.url === redactUrl(rec.url) && (await fileExists(this.partPath))
    if (usable && data.durable.length > 0) {
      this.#part = await PartFile.open(this.partPath, 'resume')
      this.#part.markWritten(data.durable)
      this.#controlWritten = true
      rec.size ??= data.size
      rec.etag ??= data.etag
      rec.lastModified ??= data.lastModified
      this.#setDone(totalBytes(data.durable))
    } else {
      this.#setDone(0)
    }
  }

  async #attempt(): Promise<void> {
    const rec = this.record
    let written = this.#part?.written ?? []
    if (totalBytes(written) > 0 && (rec.size === null || rec.resumable === false)) {
      this.#ctx.log('info', 'the server cannot resume this file; starting over')
      await this.#restartFromZero()
      written = []
    }
    this.#setDone(totalBytes(written))
    const missing = rec.size !== null ? missingRanges(written, rec.size) : []
    if (rec.size !== null && missing.length === 0) return
    // With data on disk, ask for the first missing range, validated by If-Range.
    const first = this.done > 0 ? missing[0]! : null
    const headers = this.#requestHeaders()
    if (first) {
      headers.range = `bytes=${first.start}-${first.end < rec.size! ? first.end - 1 : ''}`
      const validator = rec.etag ?? rec.lastModified
      if (validator) headers['if-range'] = validator
    }
    this.connections = 1
    try {
      const { response, url } = await openFollowingRedirects(this.#ctx.dispatcher, {
        url: (this.#url ??= new URL(rec.url)),
        headers,
        signal: this.#abort.signal,
      })
      this.#startCheckpoints()
      try {
        const offset = await this.#acceptResponse(response, url, first ? first.start : null)
        if (offset === 'complete') return
        if (rec.size === null) await this.#streamUnknownLength(response)
        else await this.#fetchSegments(response, offset, rec.size)
      } catch (error) {
        // Never leave a paused socket behind (e.g. the folder could not be created).
        response.abort(error instanceof Error ? error : new Error(String(error)))
        throw error
      }
    } finally {
      this.connections = 0
    }
  }

  /** Chunked bodies: one connection, the end of the body is the end of the file. */
  async #streamUnknownLength(response: OpenResponse): Promise<void> {
    this.record.size = await this.#streamOnThisConnection(response, 0, null)
    this.#ctx.changed()
  }

  /**
   * The response's body into the part file from `offset`, up to `end` (null: to its end), on
   * this thread and this connection only: no segments, slots, ramp or worker. Returns where the
   * body stopped.
   */
  #streamOnThisConnection(
    response: OpenResponse,
    offset: number,
    end: number | null,
  ): Promise<number> {
    const { stats } = this.#ctx.shared
    const slot = this.#ctx.downloadSlot
    let position = offset
    return streamBody(response, {
      part: this.#part!,
      offset,
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
      onBytes: (n) => stats.addBytes(slot, n),
    })
  }

  /** Known size: every missing byte, over as many connections as help (see SegmentedFetch). */
  async #fetchSegments(response: OpenResponse, offset: number, size: number): Promise<void> {
    const rec = this.record
    const part = this.#part!
    const missing = missingRanges(part.written, size)
    const firstEnd = missing.find((g) => g.start <= offset && g.end > offset)?.end ?? size
    const firstRange = { start: offset, end: firstEnd }
    const settings = this.#ctx.settings
    const host = (this.#url ??= new URL(rec.url)).host
    const segmentable = rec.resumable === true && totalBytes(missing) >= 2 * settings().minSplitSize
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
      first: { response, range: firstRange },
      // Too little left to split: stay on one connection (no worker thread, no ramp-up).
      segmentable,
      request: {
        url: rec.url,
        headers: this.#requestHeaders(),
        validator: rec.etag ?? rec.lastModified,
        size,
      },
      maxConnections: () => rec.maxConnections ?? settings().maxConnectionsPerDownload,
      minSplit: () => settings().minSplitSize,
      shared: this.#ctx.shared,
      downloadSlot: this.#ctx.downloadSlot,
      dispatcher: this.#ctx.dispatcher,
      acquireSlot: () => this.#ctx.acquireSlot(host),
      releaseSlot: () => this.#ctx.releaseSlot(host),
      signal: this.#abort.signal,
      timeoutMs: settings().timeoutMs,
      lowestSpeed: settings().lowestSpeedLimit,
      throttle: this.#throttle,
      limits: () => ({ download: rec.speedLimit, overall: settings().maxOverallDownloadLimit }),
      onConnections: (count) => (this.connections = count),
      log: (message) => this.#ctx.log('info', message),
      isBackoffSignal: (error) =>
        error instanceof DownpourError &&
        error.code === ERROR_CODES.httpRetryable &&
        /\b(429|503)\b/.test(error.message),
    })
    try {
      await fetch.run()
    } finally {
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
   * Decides what the response means for the file: where its body goes, or that the file is
   * already complete. Restarts from 0 when the server ignored the Range, answered a different
   * one, or the file changed (validators), saying so in the log.
   */
  async #acceptResponse(
    response: OpenResponse,
    url: URL,
    askedFrom: number | null,
  ): Promise<number | 'complete'> {
    const rec = this.record
    const { status, headers } = response
    if (status === 416 && askedFrom !== null) {
      response.discard()
      const total = parseUnsatisfiedRangeTotal(header(headers, 'content-range'))
      if (total !== null && rec.size === total && totalBytes(this.#part?.written ?? []) >= total)
        return 'complete'
      this.#ctx.log(
        'warn',
        `server refused the resume range (416); the file seems to have changed, starting over`,
      )
      await this.#restartFromZero()
      throw new DownpourError(ERROR_CODES.badResponse, 'range not satisfiable; restarting', {
        retryable: true,
      })
    }
    if (status < 200 || status >= 300) {
      response.discard()
      throw errorForStatus(status, headers, redactUrl(url))
    }
    if (status !== 200 && status !== 206) {
      response.discard()
      throw new DownpourError(ERROR_CODES.badResponse, `unexpected status ${status} for a download`)
    }

    const etag = strongEtag(header(headers, 'etag'))
    const lastModified = header(headers, 'last-modified')
    const encoding = header(headers, 'content-encoding')
    if (encoding && encoding.toLowerCase() !== 'identity') {
      this.#ctx.log(
        'warn',
        `server sent Content-Encoding "${encoding}" although identity was asked; saving the bytes as sent`,
      )
    }

    if (status === 206) {
      const range = parseContentRange(header(headers, 'content-range'))
      const from = askedFrom ?? 0
      const changed =
        (rec.size !== null && range?.total != null && range.total !== rec.size) ||
        (rec.etag !== null && etag !== null && etag !== rec.etag)
      if (!range || range.start !== from || changed) {
        response.discard()
        this.#ctx.log(
          'warn',
          changed
            ? 'the file changed on the server since the last try; starting over'
            : `server answered a different range (${header(headers, 'content-range') ?? 'none'}) than asked (from ${from}); starting over`,
        )
        await this.#restartFromZero()
        throw new DownpourError(ERROR_CODES.badResponse, 'server sent an unexpected range', {
          retryable: true,
        })
      }
      if (askedFrom === null) {
        await this.#adoptMetadata(response, url, range.total, etag, lastModified, true)
      } else {
        rec.resumable = true
      }
      return range.start
    }

    // 200: the whole file from byte 0.
    if (askedFrom !== null) {
      const validatorChanged =
        (rec.etag !== null && etag !== rec.etag) ||
        (rec.etag === null && rec.lastModified !== null && lastModified !== rec.lastModified)
      this.#ctx.log(
        'warn',
        validatorChanged
          ? 'the file changed on the server (validators differ); downloading it again from the start'
          : 'server ignored the Range request; downloading again from the start',
      )
      await this.#restartFromZero()
    }
    const length = parseContentLength(header(headers, 'content-length'))
    const acceptsRanges = /\bbytes\b/i.test(header(headers, 'accept-ranges') ?? '')
    await this.#adoptMetadata(
      response,
      url,
      length,
      etag,
      lastModified,
      acceptsRanges && askedFrom === null,
    )
    if (length === null) {
      this.#ctx.log(
        'info',
        'server did not send the size (chunked); this download cannot resume if interrupted',
      )
    }
    return 0
  }

  async #adoptMetadata(
    response: OpenResponse,
    url: URL,
    size: number | null,
    etag: string | null,
    lastModified: string | null,
    resumable: boolean,
  ): Promise<void> {
    const rec = this.record
    rec.size = size
    rec.etag = etag
    rec.lastModified = lastModified
    rec.resumable = resumable && size !== null
    rec.finalUrl = url.href
    if (!rec.nameChosen) {
      await this.#ctx.ensureDir(rec.dir)
      await this.#chooseName(response, url)
    }
    if (!this.#part) this.#part = await PartFile.open(this.partPath, 'fresh')
    this.#ctx.changed()
  }

  async #chooseName(response: OpenResponse, url: URL): Promise<void> {
    const rec = this.record
    const suggested =
      rec.requestedName ??
      suggestFileName({
        contentDisposition: header(response.headers, 'content-disposition'),
        url,
        contentType: header(response.headers, 'content-type'),
      })
    const claimed = await claimUniqueName(
      rec.dir,
      suggested,
      this.#ctx.reservedPaths,
      async (candidate) => {
        try {
          this.#part = await PartFile.open(join(rec.dir, candidate + PART_SUFFIX), 'exclusive')
          return 'created'
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'EEXIST') return 'exists'
          throw error
        }
      },
      async (candidate) => {
        // A `.part` this same download left behind (state lost in a crash) may be taken over;
        // another download's never, though it fetches the same URL.
        const part = join(rec.dir, candidate + PART_SUFFIX)
        const { data } = await readControlFile(controlPathFor(part))
        return data?.id === rec.id && data.url === redactUrl(rec.url)
      },
    )
    rec.name = claimed.name
    rec.nameChosen = true
    this.#ctx.reservedPaths.add(this.finalPath)
  }

  async #restartFromZero(): Promise<void> {
    const rec = this.record
    this.#generation++
    await this.#checkpointing
    await this.#ctx.shared.pool?.closeFile(this.partPath)
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
    if (rec.size === null) rec.size = this.done
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
    const partPath = this.partPath
    if (await fileExists(this.finalPath)) {
      // Something outside the engine created a file of that name meanwhile: never overwrite it.
      this.#ctx.reservedPaths.delete(this.finalPath)
      rec.name = await pickUniqueName(rec.dir, rec.name, this.#ctx.reservedPaths, async () => false)
      this.#ctx.reservedPaths.add(this.finalPath)
    }
    await part.close()
    this.#part = null
    await renameAsync(partPath, this.finalPath)
    if (this.#controlWritten) await removeControlFile(controlPathFor(partPath))
    if (this.#controlWritten) await syncDirectory(rec.dir)
    this.#setDone(rec.size)
    rec.error = null
    rec.completedAt = Date.now()
    this.#setState('completed')
  }

  #startCheckpoints(): void {
    this.#checkpointTimer ??= setInterval(() => {
      if (this.#checkpointing) return
      this.#checkpointing = this.#checkpoint()
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
  async #checkpoint(stopping = false): Promise<void> {
    const part = this.#part
    const rec = this.record
    if (!part || !rec.nameChosen) return
    if (!stopping && Date.now() - this.#startedAt < CHECKPOINT_MS) return
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
    const settings = this.#ctx.settings()
    const headers: Record<string, string> = {}
    for (const [k, v] of Object.entries(settings.headers)) headers[k.toLowerCase()] = v
    for (const [k, v] of Object.entries(this.record.headers)) headers[k.toLowerCase()] = v
    headers['user-agent'] ??= settings.userAgent
    // Never let a server compress a download: we store bytes as sent, ranges stay meaningful.
    headers['accept-encoding'] = 'identity'
    headers.accept ??= '*/*'
    return headers
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

/** The callback API, promisified: fs/promises adds a layer of promises to every small file. */
const renameAsync = promisify(rename)

export async function deletePartFiles(dir: string, name: string): Promise<void> {
  const part = join(dir, name + PART_SUFFIX)
  await rm(part, { force: true })
  await rm(controlPathFor(part), { force: true })
}
