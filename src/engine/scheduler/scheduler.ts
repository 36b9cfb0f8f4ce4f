import { mkdir } from 'node:fs/promises'
import { diskError } from '../storage/disk-error.ts'
import { join } from 'node:path'
import type { Dispatcher } from 'undici'
import * as v from 'valibot'
import type { AddResult, EngineApi, Selection } from '../../shared/protocol/api.ts'
import { DownpourError, ERROR_CODES } from '../../shared/protocol/errors.ts'
import type { EngineEvents, LogLevel } from '../../shared/protocol/events.ts'
import {
  ACTIVE_STATES,
  type DownloadOptions,
  type DownloadSnapshot,
  type DownloadState,
  type Settings,
} from '../../shared/protocol/model.ts'
import {
  describeIssues,
  downloadOptionsSchema,
  settingsPatchInputSchema,
  settingsPatchSchema,
} from '../../shared/protocol/schemas.ts'
import type { SettingsPatchInput } from '../../shared/protocol/setting-units.ts'
import type { DownloadDetails, SegmentMap } from '../../shared/protocol/details.ts'
import { DownloadHistory } from '../details/download-history.ts'
import { SegmentWatch } from '../details/segment-watch.ts'
import { replaceUrl } from '../details/replace-url.ts'
import { buildDetails, restingSegmentMap } from '../details/download-details.ts'
import { Emitter } from '../../shared/emitter.ts'
import { createDispatcher } from '../transfer/http-dispatcher.ts'
import { DownloadTransfer, deletePartFiles } from '../transfer/download-transfer.ts'
import { QueueStore } from '../storage/queue-store.ts'
import { buildRecord } from './build-record.ts'
import { toSnapshot, type DownloadRecord } from './download-record.ts'
import { ProgressHeartbeat } from '../stats/progress-heartbeat.ts'
import { MAX_DOWNLOADS, MAX_SEGMENTS, SharedStats, SlotAllocator } from '../stats/shared-stats.ts'
import { TransferPool } from '../transfer/transfer-pool.ts'

/** What pausing a download whose server never said whether it does ranges honestly promises. */
export const MAY_NOT_RESUME =
  'may not resume: the server did not say it supports ranges; resuming tries, and starts over if it cannot'

export type SchedulerOptions = {
  /** Folder for the queue file. Null = keep nothing on disk (tests, one-shot tools). */
  stateDir: string | null
  settings: Settings
  /** Settings the host sets explicitly this time: they win over the persisted ones. */
  overrides: Partial<Settings>
  heartbeatMs: number
  /** Worker threads for extra connections (started only when needed). */
  transferThreads: number
}

/**
 * The engine's single owner of download state: commands come in, events go out, nothing else
 * touches a record. Starts queued downloads in queue order within the concurrency and per-host
 * connection limits; persists every change (coalesced).
 */
export class Scheduler implements Omit<EngineApi, 'uiPreferences' | 'updateUiPreferences'> {
  readonly events = new Emitter<EngineEvents>()
  #settings: Settings
  #overrides: Partial<Settings>
  #records = new Map<string, DownloadRecord>()
  #order: string[] = []
  /**
   * Queued ids in queue order, for the pump; null = rebuild (a download became queued or moved).
   * Entries before #waitingAt were started or left the queue (consumed without copying).
   */
  #waiting: string[] | null = null
  #waitingAt = 0
  #transfers = new Map<string, DownloadTransfer>()
  #hostConnections = new Map<string, number>()
  #reservedPaths = new Set<string>()
  #dirs = new Map<string, Promise<void>>()
  #shared: { stats: SharedStats; segmentSlots: SlotAllocator; pool: TransferPool }
  #downloadSlots = new SlotAllocator(MAX_DOWNLOADS)
  /** The shared-stats slot of each running download (its token bucket). */
  #runningSlots = new Map<string, number>()
  #hosts = new Map<string, string>()
  #revision = 0
  #dispatcher: Dispatcher
  #store: QueueStore | null
  #heartbeat: ProgressHeartbeat
  #closed = false
  #lastStates = new Map<string, DownloadState>()
  #history = new DownloadHistory()
  #watch = new SegmentWatch()

  constructor(options: SchedulerOptions) {
    this.#settings = options.settings
    this.#overrides = { defaultDir: options.settings.defaultDir, ...options.overrides }
    this.#dispatcher = createDispatcher(this.#settings)
    const stats = new SharedStats()
    stats.setRate(-1, this.#settings.maxOverallDownloadLimit)
    this.#shared = {
      stats,
      segmentSlots: new SlotAllocator(MAX_SEGMENTS),
      pool: new TransferPool({ size: options.transferThreads, stats, dispatcher: this.#settings }),
    }
    this.#store = options.stateDir
      ? new QueueStore(
          join(options.stateDir, 'queue.json'),
          () => ({
            settings: this.#settings,
            downloads: this.#order.map((id) => this.#records.get(id)!),
          }),
          (error) => this.#log('error', null, `cannot save the queue: ${error.message}`),
        )
      : null
    this.#heartbeat = new ProgressHeartbeat(
      options.heartbeatMs,
      () => this.#activeFigures(),
      (beat) => {
        this.events.emit('progress/beat', { ...beat, revision: this.#revision })
        if (this.#watch.size > 0) this.#emitSegments(beat.seq, beat.at)
      },
    )
  }

  /** Loads the persisted queue; downloads that were running continue where their bytes end. */
  async open(stateDir: string | null): Promise<void> {
    if (stateDir) await mkdir(stateDir, { recursive: true, mode: 0o700 })
    const loaded = await this.#store?.load()
    if (loaded?.kind === 'corrupt') {
      this.#log(
        'error',
        null,
        `the queue file was unreadable (${loaded.problem}); it was set aside as ${loaded.movedTo}`,
        {
          code: ERROR_CODES.corruptState,
          message: loaded.problem,
        },
      )
    }
    if (loaded?.kind === 'loaded') {
      const patch = v.safeParse(settingsPatchSchema, loaded.queue.settings)
      // Saved settings come back, but what the host asked for now wins (CLI flags, say).
      if (patch.success) {
        this.#settings = { ...this.#settings, ...patch.output, ...this.#overrides }
        void this.#dispatcher.close().catch(() => {})
        this.#dispatcher = createDispatcher(this.#settings)
        this.#shared.pool.updateDispatcher(this.#settings)
        this.#shared.stats.setRate(-1, this.#settings.maxOverallDownloadLimit)
      }
      for (const record of loaded.queue.downloads) {
        if (ACTIVE_STATES.has(record.state) || record.state === 'retrying') record.state = 'queued'
        record.nextRetryAt = null
        this.#records.set(record.id, record)
        this.#order.push(record.id)
        this.#waiting = null
        this.#lastStates.set(record.id, record.state)
      }
    }
    this.#heartbeat.start()
    this.#pump()
  }

  get settings(): Settings {
    return this.#settings
  }

  async add(requests: Parameters<EngineApi['add']>[0]): Promise<AddResult> {
    this.#assertOpen()
    const result: AddResult = { added: [], rejected: [] }
    const keys = new Map<string, string>()
    for (const record of this.#records.values()) keys.set(record.key, record.id)
    requests.forEach((request, index) => {
      const url = typeof request?.url === 'string' ? request.url : String(request?.url)
      try {
        const record = buildRecord(request, this.#settings.defaultDir)
        const existing = keys.get(record.key)
        if (existing) {
          const other = this.#records.get(existing)!
          result.rejected.push({
            index,
            url,
            existingId: existing,
            error: {
              code: ERROR_CODES.duplicate,
              message: `already in the queue as "${other.name}" (${other.state}) in ${other.dir}`,
            },
          })
          return
        }
        keys.set(record.key, record.id)
        this.#records.set(record.id, record)
        this.#order.push(record.id)
        this.#waiting = null
        this.#lastStates.set(record.id, record.state)
        const download = this.#snapshotOf(record)
        this.#history.added(record)
        result.added.push(download)
        this.events.emit('download/added', { revision: ++this.#revision, download })
      } catch (error) {
        const e =
          error instanceof DownpourError
            ? error
            : new DownpourError(ERROR_CODES.internal, String(error))
        result.rejected.push({ index, url, error: e.toJSON() })
      }
    })
    this.#store?.schedule()
    this.#pump()
    return result
  }

  async pause(selection: Selection): Promise<{ affected: string[] }> {
    const affected = this.#select(selection).filter((r) =>
      ['queued', 'probing', 'downloading', 'retrying', 'verifying'].includes(r.state),
    )
    await Promise.all(affected.map((r) => this.#stopTransfer(r, 'paused')))
    // Said where the person looks: a paused download the server cannot resume starts over, and
    // one whose server never said is only tried.
    for (const r of affected) {
      if (r.state !== 'paused' || r.resumable === true) continue
      if (r.resumable === false)
        this.#log('warn', r.id, `${r.name}: cannot resume: the server does not support ranges`)
      else if (r.done > 0) this.#log('warn', r.id, `${r.name}: ${MAY_NOT_RESUME}`)
    }
    this.#pump()
    return { affected: affected.map((r) => r.id) }
  }

  async resume(selection: Selection): Promise<{ affected: string[] }> {
    const affected = this.#select(selection).filter((r) => r.state === 'paused')
    for (const r of affected) {
      r.failuresInARow = 0
      this.#setState(r, 'queued')
    }
    this.#pump()
    return { affected: affected.map((r) => r.id) }
  }

  async retry(selection: Selection): Promise<{ affected: string[] }> {
    const affected = this.#select(selection).filter((r) => r.state === 'failed')
    for (const r of affected) {
      r.failuresInARow = 0
      r.error = null
      this.#setState(r, 'queued')
    }
    this.#pump()
    return { affected: affected.map((r) => r.id) }
  }

  async remove(
    selection: Selection,
    options: { deleteFiles?: boolean } = {},
  ): Promise<{ affected: string[] }> {
    const affected = this.#select(selection)
    const wasCompleted = new Set(affected.filter((r) => r.state === 'completed').map((r) => r.id))
    await Promise.all(affected.map((record) => this.#stopTransfer(record, 'removed')))
    const gone = new Set(affected.map((r) => r.id))
    this.#order = this.#order.filter((id) => !gone.has(id))
    for (const record of affected) {
      this.#records.delete(record.id)
      this.#lastStates.delete(record.id)
      this.#hosts.delete(record.id)
      this.#history.forget(record.id)
      this.#watch.forget(record.id)
      if (options.deleteFiles && record.nameChosen && !wasCompleted.has(record.id)) {
        await deletePartFiles(record.dir, record.name)
      }
      this.events.emit('download/removed', { revision: ++this.#revision, id: record.id })
    }
    this.#store?.schedule()
    this.#pump()
    return { affected: affected.map((r) => r.id) }
  }

  async move(id: string, position: number): Promise<{ order: string[] }> {
    if (!this.#records.has(id)) throw notFound(id)
    if (!Number.isInteger(position) || position < 0)
      throw new DownpourError(
        ERROR_CODES.invalidArgument,
        `position must be a whole number >= 0, not ${position}`,
      )
    // Alt+Up on the first row or Alt+Down on the last (a held key repeats it) changes nothing:
    // no event, no revision, no save.
    const target = Math.min(position, this.#order.length - 1)
    if (this.#order[target] === id) return { order: [...this.#order] }
    this.#order = this.#order.filter((other) => other !== id)
    this.#order.splice(target, 0, id)
    this.#waiting = null
    this.events.emit('download/moved', { revision: ++this.#revision, order: [...this.#order] })
    this.#store?.schedule()
    this.#pump()
    return { order: [...this.#order] }
  }

  async configure(id: string, options: DownloadOptions): Promise<DownloadSnapshot> {
    const parsed = v.safeParse(downloadOptionsSchema, options)
    if (!parsed.success)
      throw new DownpourError(ERROR_CODES.invalidArgument, describeIssues(parsed.issues))
    const record = this.#records.get(id)
    if (!record) throw notFound(id)
    const { speedLimit, maxConnections, maxTries } = parsed.output
    // A running transfer reads these fields at every decision; the bucket needs telling.
    if (speedLimit !== undefined) record.speedLimit = speedLimit
    if (maxConnections !== undefined) record.maxConnections = maxConnections
    if (maxTries !== undefined) record.maxTries = maxTries
    const slot = this.#runningSlots.get(id)
    if (slot !== undefined) this.#shared.stats.setRate(slot, record.speedLimit)
    this.#changed(record)
    return this.#snapshotOf(record)
  }

  async snapshot(): ReturnType<EngineApi['snapshot']> {
    return {
      revision: this.#revision,
      downloads: this.#order.map((id) => this.#snapshotOf(this.#records.get(id)!)),
      settings: this.#settings,
    }
  }

  async updateSettings(patch: SettingsPatchInput): Promise<Settings> {
    const parsed = v.safeParse(settingsPatchInputSchema, patch)
    if (!parsed.success)
      throw new DownpourError(ERROR_CODES.invalidArgument, describeIssues(parsed.issues))
    const before = this.#settings
    this.#settings = { ...before, ...parsed.output }
    if (before.timeoutMs !== this.#settings.timeoutMs || before.proxy !== this.#settings.proxy) {
      // Every new request asks for the current dispatcher (TransferContext.dispatcher), so only
      // exchanges already running use the old one, and close() lets them finish first.
      const old = this.#dispatcher
      this.#dispatcher = createDispatcher(this.#settings)
      void old.close().catch(() => {})
      this.#shared.pool.updateDispatcher(this.#settings)
    }
    this.#shared.stats.setRate(-1, this.#settings.maxOverallDownloadLimit)
    this.events.emit('settings/changed', { revision: ++this.#revision, settings: this.#settings })
    this.#store?.schedule()
    this.#pump()
    return this.#settings
  }

  async changeUrl(id: string, url: string): ReturnType<EngineApi['changeUrl']> {
    this.#assertOpen()
    const record = this.#records.get(id)
    if (!record) throw notFound(id)
    // A download announces `failed` before its transfer has made its last bytes durable (and
    // written their control file): let that finish, or the bytes would be judged missing.
    if (record.state === 'failed') await this.#transfers.get(id)?.run()
    const { from, to, droppedHeaders } = await replaceUrl(record, url, {
      dispatcher: this.#dispatcher,
      settings: this.#settings,
      duplicateOf: (key) =>
        [...this.#records.values()].find((r) => r.key === key && r.id !== id) ?? null,
    })
    this.#hosts.delete(id)
    const left = droppedHeaders.length > 0 ? ` (not sent there: ${droppedHeaders.join(', ')})` : ''
    this.#history.note(id, 'url-changed', `URL changed from ${from} to ${to}${left}`)
    this.#setState(record, 'queued')
    await this.#store?.flush()
    this.#pump()
    return this.#snapshotOf(record)
  }

  async details(id: string): Promise<DownloadDetails> {
    const record = this.#records.get(id)
    if (!record) throw notFound(id)
    return buildDetails(record, this.#snapshotOf(record), this.#settings, this.#history.list(id))
  }

  async watchSegments(id: string): Promise<SegmentMap> {
    const record = this.#records.get(id)
    if (!record) throw notFound(id)
    this.#watch.watch(id)
    return this.#liveSegmentMap(id) ?? restingSegmentMap(record)
  }

  async unwatchSegments(id: string): Promise<void> {
    this.#watch.unwatch(id)
  }

  /** Stops every transfer (partial data durable), saves the queue, closes connections. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#heartbeat.stop()
    await Promise.all([...this.#transfers.values()].map((t) => t.stop()))
    await this.#store?.flush()
    // Every transfer is stopped: whatever is left are idle keep-alive sockets.
    await this.#dispatcher.destroy().catch(() => {})
    await this.#shared.pool.close()
  }

  // ---- internals ----

  #pump(): void {
    if (this.#closed) return
    const limit = this.#settings.maxConcurrentDownloads
    // Only the waiting ones are looked at, from where the last pump stopped: the pump runs after
    // every completion, and scanning (or copying) the whole queue each time is quadratic —
    // 0.5 s of CPU and ~40 MB of garbage over 2,000 small files.
    if (!this.#waiting) {
      this.#waiting = this.#order.filter((id) => this.#records.get(id)?.state === 'queued')
      this.#waitingAt = 0
    }
    const waiting = this.#waiting
    let blocked: string[] | null = null
    let at = this.#waitingAt
    for (; at < waiting.length && this.#transfers.size < limit; at++) {
      const id = waiting[at]!
      const record = this.#records.get(id)
      // A started transfer leaves `queued` only once it has read its resume state.
      if (!record || record.state !== 'queued' || this.#transfers.has(id)) continue
      const host = this.#hostOf(record)
      if ((this.#hostConnections.get(host) ?? 0) >= this.#settings.maxConnectionsPerHost) {
        // Its host is at its cap: it keeps its place, later ones may still start.
        ;(blocked ??= []).push(id)
        continue
      }
      this.#start(record, host)
    }
    if (blocked) {
      this.#waiting = blocked.concat(waiting.slice(at))
      this.#waitingAt = 0
    } else {
      this.#waitingAt = at
    }
  }

  #ensureDir(dir: string): Promise<void> {
    let made = this.#dirs.get(dir)
    if (!made) {
      made = mkdir(dir, { recursive: true }).then(
        () => {},
        (error: unknown) => {
          this.#dirs.delete(dir)
          throw diskError(error, `cannot create the folder ${dir}`, dir)
        },
      )
      this.#dirs.set(dir, made)
    }
    return made
  }

  /** Host of a record's URL, parsed once (the pump runs after every completion). */
  #hostOf(record: DownloadRecord): string {
    let host = this.#hosts.get(record.id)
    if (host === undefined) this.#hosts.set(record.id, (host = new URL(record.url).host))
    return host
  }

  #start(record: DownloadRecord, host: string): void {
    this.#hostConnections.set(host, (this.#hostConnections.get(host) ?? 0) + 1)
    const downloadSlot = this.#downloadSlots.take()
    this.#shared.stats.setRate(downloadSlot, record.speedLimit)
    this.#runningSlots.set(record.id, downloadSlot)
    const transfer = new DownloadTransfer(record, {
      dispatcher: () => this.#dispatcher,
      settings: () => this.#settings,
      reservedPaths: this.#reservedPaths,
      ensureDir: (dir) => this.#ensureDir(dir),
      log: (level, message, error) => {
        this.#history.log(
          record.id,
          level,
          message,
          error ? { ...error.toJSON(), status: error.status } : undefined,
        )
        this.#log(level, record.id, `${record.name}: ${message}`, error?.toJSON())
      },
      changed: () => this.#changed(record),
      shared: this.#shared,
      downloadSlot,
      acquireSlot: (h) => {
        const used = this.#hostConnections.get(h) ?? 0
        if (used >= this.#settings.maxConnectionsPerHost) return false
        this.#hostConnections.set(h, used + 1)
        return true
      },
      releaseSlot: (h) => this.#hostConnections.set(h, (this.#hostConnections.get(h) ?? 1) - 1),
    })
    this.#transfers.set(record.id, transfer)
    this.#heartbeat.track(record.id)
    void transfer.run().then((outcome) => {
      this.#transfers.delete(record.id)
      this.#runningSlots.delete(record.id)
      this.#shared.stats.setRate(downloadSlot, 0)
      this.#downloadSlots.give(downloadSlot)
      this.#hostConnections.set(host, (this.#hostConnections.get(host) ?? 1) - 1)
      this.#heartbeat.untrack(record.id)
      // A completed download was announced as such with its final figures; a failed or stopped
      // one made its last bytes durable after that (and now shows no connections).
      if (outcome !== 'completed') this.#changed(record)
      // Queued again while this run was still finishing (a retry right after a failure, a
      // resume right after a full disk paused it): the pump skipped it then, so look again.
      if (record.state === 'queued') this.#waiting = null
      this.#pump()
    })
  }

  /** Stops a record's transfer, if any, and puts it in `state` (paused or removed). */
  async #stopTransfer(record: DownloadRecord, state: 'paused' | 'removed'): Promise<void> {
    const transfer = this.#transfers.get(record.id)
    if (transfer) await transfer.stop()
    record.nextRetryAt = null
    // A download that completed while being stopped stays completed (pausing it means nothing).
    if (state === 'paused' && record.state === 'completed') return
    this.#setState(record, state)
  }

  #setState(record: DownloadRecord, state: DownloadState): void {
    record.state = state
    this.#changed(record)
  }

  #changed(record: DownloadRecord): void {
    if (!this.#records.has(record.id)) return
    this.#store?.changed(record)
    // A stopped transfer reports its last states after the user paused it: keep the user's.
    const transfer = this.#transfers.get(record.id)
    const previousState = this.#lastStates.get(record.id) ?? record.state
    if (transfer?.stopped && (previousState === 'paused' || previousState === 'removed')) {
      record.state = previousState
    }
    this.#history.observe(record, previousState)
    if (this.#closed && ACTIVE_STATES.has(record.state)) return
    if (record.state === 'queued' && previousState !== 'queued') this.#waiting = null
    this.#lastStates.set(record.id, record.state)
    this.events.emit('download/changed', {
      revision: ++this.#revision,
      download: this.#snapshotOf(record),
      previousState,
    })
    this.#store?.schedule()
  }

  #snapshotOf(record: DownloadRecord) {
    const transfer = this.#transfers.get(record.id)
    const live = this.#heartbeat.figures(record.id, record)
    return toSnapshot(record, { ...live, connections: transfer?.connections ?? 0 }, this.#settings)
  }

  #liveSegmentMap(id: string): SegmentMap | null {
    const transfer = this.#transfers.get(id)
    // A transfer that announced its end is only cleaning up: the record tells the rest.
    const state = transfer?.record.state
    if (!transfer || !(ACTIVE_STATES.has(state!) || state === 'retrying')) return null
    return { id, size: transfer.record.size, ...transfer.segmentMap() }
  }

  #emitSegments(seq: number, at: number): void {
    const items = this.#watch.changed((id) => this.#liveSegmentMap(id))
    if (items.length > 0) this.events.emit('segments/beat', { seq, at, items })
  }

  #activeFigures() {
    return [...this.#transfers.values()].map((t) => ({
      id: t.record.id,
      done: t.done,
      size: t.record.size,
      connections: t.connections,
      downloading: t.record.state === 'downloading',
    }))
  }

  #select(selection: Selection): DownloadRecord[] {
    if ('all' in selection) return this.#order.map((id) => this.#records.get(id)!)
    return selection.ids.map((id) => {
      const record = this.#records.get(id)
      if (!record) throw notFound(id)
      return record
    })
  }

  #log(
    level: LogLevel,
    id: string | null,
    message: string,
    error?: { code: string; message: string },
  ): void {
    this.events.emit('log/entry', {
      at: Date.now(),
      level,
      id,
      message,
      ...(error ? { error } : {}),
    })
  }

  #assertOpen(): void {
    if (this.#closed) throw new DownpourError(ERROR_CODES.cancelled, 'the engine is shutting down')
  }
}

function notFound(id: string): DownpourError {
  return new DownpourError(ERROR_CODES.notFound, `no download with id ${id}`)
}
