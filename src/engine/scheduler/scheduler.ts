import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { Dispatcher } from 'undici'
import * as v from 'valibot'
import type { AddResult, EngineApi, Selection, UpdateResult } from '../../shared/protocol/api.ts'
import {
  planBlockMove,
  type MovedBlock,
  type MoveTarget,
} from '../../shared/protocol/block-move.ts'
import { DownpourError, ERROR_CODES } from '../../shared/protocol/errors.ts'
import { EVENT_ROWS } from '../../shared/protocol/events.ts'
import type { EngineEvents, LogLevel } from '../../shared/protocol/events.ts'
import {
  ACTIVE_STATES,
  type AddRequest,
  type DownloadState,
  type DownloadUpdate,
  type Settings,
} from '../../shared/protocol/model.ts'
import {
  describeIssues,
  settingsPatchInputSchema,
  settingsPatchSchema,
} from '../../shared/protocol/schemas.ts'
import type { SettingsPatchInput } from '../../shared/protocol/setting-units.ts'
import type { DownloadDetails, SegmentMap } from '../../shared/protocol/details.ts'
import { DownloadHistory } from '../details/download-history.ts'
import { HostConnections } from './host-connections.ts'
import { DuplicateIndex, urlKeyOf } from './duplicate-index.ts'
import { duplicateMessage, duplicateOf } from './duplicate-rule.ts'
import { carryFromEarlier } from './again-carry.ts'
import { MissingFiles } from './missing-files.ts'
import { QueuePlaces } from './queue-places.ts'
import { SegmentWatch } from '../details/segment-watch.ts'
import { replaceUrl } from '../details/replace-url.ts'
import { buildDetails, restingSegmentMap } from '../details/download-details.ts'
import { Emitter } from '../../shared/emitter.ts'
import {
  createDispatcher,
  type DispatcherOptions,
  type TlsOptions,
} from '../transfer/http-dispatcher.ts'
import { DownloadTransfer, deletePartFiles } from '../transfer/download-transfer.ts'
import type { StateFields } from '../storage/queue-lines.ts'
import { QueueStore } from '../storage/queue-store.ts'
import { applyUpdate, finishRecord, prepareRecord } from './build-record.ts'
import { WaitingQueue } from './waiting-queue.ts'
import { finishedOnDisk } from './recover-finished.ts'
import { controlPathFor, PART_SUFFIX, removeControlFile } from '../storage/control-file.ts'
import { removeStaleTemps } from '../storage/stale-temps.ts'
import { DownloadFolders } from '../storage/download-folders.ts'
import type { StateLock } from '../storage/state-lock.ts'
import { NO_HEADERS, toSnapshot, type DownloadRecord } from '../model/download-record.ts'
import { ProgressHeartbeat } from '../stats/progress-heartbeat.ts'
import { MAX_DOWNLOADS, MAX_SEGMENTS, SharedStats, SlotAllocator } from '../stats/shared-stats.ts'
import { TransferPool } from '../transfer/transfer-pool.ts'
import { SnapshotCursors } from './snapshot-cursors.ts'
import { EventBatch } from './event-batch.ts'
import type { OriginMarker } from '../storage/origin-marker.ts'
import { memoFreeSpace, statfsFreeSpace, type FreeSpace } from '../storage/free-space.ts'

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
  /** The state folder's lock, released when the scheduler closes. */
  lock?: StateLock | null
  /** Marks each completed file with where it came from (null: files are not marked). */
  originMarker?: OriginMarker | null
  /** What is free on a download's file system (default: statfs). */
  freeSpace?: FreeSpace
  /** See EngineOptions.tls. */
  tls?: TlsOptions | null
  /** See EngineOptions.othersLive. */
  othersLive?: (() => Promise<string | null>) | null
}

/**
 * The engine's single owner of download state: commands come in, events go out, nothing else
 * touches a record. Starts queued downloads in queue order within the concurrency and per-host
 * connection limits; persists every change (coalesced).
 */
/** The commands the scheduler answers; the engine keeps the window's preferences itself. */
export type SchedulerCommands = Omit<EngineApi, 'uiPreferences' | 'updateUiPreferences'>

export class Scheduler implements SchedulerCommands {
  readonly events = new Emitter<EngineEvents>()
  #settings: Settings
  #othersLive: (() => Promise<string | null>) | null
  #tls: TlsOptions | null
  #overrides: Partial<Settings>
  #records = new Map<string, DownloadRecord>()
  #order: string[] = []
  /** The downloads by duplicate key, kept up to date (an add never scans the queue). */
  #duplicates = new DuplicateIndex((id) => this.#records.get(id))
  /** Queue position and last announced state per id (positions renumbered only by a move). */
  #places = new QueuePlaces()
  /** Queued downloads waiting for a slot, in queue order. */
  #waiting = new WaitingQueue()
  #hosts = new Map<string, string>()
  /** Records whose chosen name reached the journal (see #changed). */
  #namedSaved = new WeakSet<DownloadRecord>()
  /** The name and size the journal is known to hold for a record (see #journalNow). */
  #journaledAs = new WeakMap<DownloadRecord, string>()
  #slots = new Map<string, number>()
  #lock: StateLock | null
  #marker: OriginMarker | null
  #freeSpace: FreeSpace
  /**
   * Work counters: records a command or the pump looked at. A command on k downloads costs
   * O(k), a started download O(log n): tests hold the engine to that.
   */
  readonly work = { visited: 0 }
  #transfers = new Map<string, DownloadTransfer>()
  #hostConnections = new HostConnections(() => this.#settings.maxConnectionsPerHost)
  /**
   * Final paths owned by downloads of this engine, from the moment a name is chosen until the
   * download is removed — paused or not — so no other download can take its name or `.part`.
   */
  #reservedPaths = new Set<string>()
  /** Completed downloads whose file is gone (see MissingFiles). */
  #missingFiles = new MissingFiles()
  /** Made on first use, never made again once gone (also refuses a planted link). */
  #folders = new DownloadFolders()
  #shared: { stats: SharedStats; segmentSlots: SlotAllocator; pool: TransferPool }
  #downloadSlots = new SlotAllocator(MAX_DOWNLOADS)
  #revision = 0
  #dispatcher: Dispatcher
  #store: QueueStore | null
  #heartbeat: ProgressHeartbeat
  #closed = false
  #history = new DownloadHistory()
  #watch = new SegmentWatch()
  #batch = new EventBatch({
    events: this.events,
    nextRevision: () => ++this.#revision,
    snapshotOf: (id) => {
      const record = this.#records.get(id)
      return record ? this.#snapshotOf(record) : null
    },
  })
  #cursors = new SnapshotCursors({
    revision: () => this.#revision,
    order: () => this.#order,
    settings: () => this.#settings,
    snapshotOf: (id) => {
      const record = this.#records.get(id)
      return record ? this.#snapshotOf(record) : null
    },
  })

  /** What every dispatcher (this thread's and the workers') is made from. */
  #dispatcherOptions(): DispatcherOptions {
    return { timeoutMs: this.#settings.timeoutMs, proxy: this.#settings.proxy, tls: this.#tls }
  }

  constructor(options: SchedulerOptions) {
    this.#settings = options.settings
    this.#tls = options.tls ?? null
    this.#overrides = { defaultDir: options.settings.defaultDir, ...options.overrides }
    this.#dispatcher = createDispatcher(this.#dispatcherOptions())
    const stats = new SharedStats()
    stats.setRate(-1, this.#settings.maxOverallDownloadLimit)
    this.#shared = {
      stats,
      segmentSlots: new SlotAllocator(MAX_SEGMENTS),
      pool: new TransferPool({
        size: options.transferThreads,
        stats,
        dispatcher: this.#dispatcherOptions(),
      }),
    }
    this.#lock = options.lock ?? null
    this.#marker = options.originMarker ?? null
    this.#freeSpace = options.freeSpace ?? memoFreeSpace(statfsFreeSpace)
    this.#othersLive = options.othersLive ?? null
    this.#store = options.stateDir
      ? new QueueStore(
          options.stateDir,
          {
            order: () => this.#order,
            record: (id) => this.#records.get(id),
            settings: () => this.#settings,
          },
          (error) => this.#log('error', null, error.message, error.toJSON()),
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
    for (const problem of loaded?.problems ?? []) {
      this.#log(
        'error',
        null,
        `the queue file ${problem.file} was unreadable (${problem.problem}); it was set aside as ${problem.movedTo}`,
        { code: ERROR_CODES.corruptState, message: problem.problem },
      )
    }
    if (loaded) {
      const patch = v.safeParse(settingsPatchSchema, loaded.queue.settings)
      // Saved settings come back, but what the host asked for now wins (CLI flags, say).
      if (patch.success) {
        this.#settings = { ...this.#settings, ...patch.output, ...this.#overrides }
        void this.#dispatcher.close().catch(() => {})
        this.#dispatcher = createDispatcher(this.#dispatcherOptions())
        this.#shared.pool.updateDispatcher(this.#dispatcherOptions())
        this.#shared.stats.setRate(-1, this.#settings.maxOverallDownloadLimit)
      }
      const wasRunning: DownloadRecord[] = []
      // The store's Map becomes the scheduler's (nothing was added before open).
      const adopted = this.#records.size === 0
      if (adopted) this.#records = loaded.records
      for (const record of loaded.queue.downloads) {
        if (ACTIVE_STATES.has(record.state) || record.state === 'retrying') {
          wasRunning.push(record)
          record.state = 'queued'
        }
        record.nextRetryAt = null
        if (record.headers !== NO_HEADERS && Object.keys(record.headers).length === 0)
          record.headers = NO_HEADERS
        this.#insert(record, adopted)
        if (record.nameChosen) {
          this.#namedSaved.add(record)
          this.#journaledAs.set(record, journalKey(record))
        }
      }
      // kill -9 between a final rename and the queue save: the file is there, complete.
      for (const record of wasRunning) {
        if (await finishedOnDisk(record)) {
          record.state = 'completed'
          record.done = record.size ?? record.done
          record.error = null
          record.completedAt ??= Date.now()
          this.#places.announce(record.id, 'completed')
          this.#store?.put(record)
          this.#log('info', record.id, `${record.name}: found complete on disk`)
          this.#markOrigin(record)
          // A kill between the part's unlink and its control file's removal leaves the latter.
          const control = controlPathFor(join(record.dir, record.name) + PART_SUFFIX)
          await removeControlFile(control).catch((error: Error) =>
            this.#log('warn', record.id, `could not delete ${control} (${error.message})`),
          )
        }
      }
      for (const record of loaded.queue.downloads) this.#enqueue(record)
      if (this.#store?.wantsCompaction) void this.#store.compact()
      // Temp files a crash inside an atomic write left beside the parts of unfinished downloads.
      const dirs = new Set(wasRunning.filter((r) => r.nameChosen).map((r) => r.dir))
      void removeStaleTemps([...dirs]).catch(() => {})
    }
    this.#heartbeat.start()
    this.#pump()
    // In the background, after the first rows can be shown: which completed files are gone.
    if (this.#order.length > 0) void this.#lookForFiles({ all: true }).catch(() => {})
  }

  get settings(): Settings {
    return this.#settings
  }

  /**
   * Adds in parts of `EVENT_ROWS`: each part is one `download/added`, its first downloads start
   * at once, and the loop yields between parts so the engine beats and transfers begin while a
   * 100,000-URL list is still being listed.
   */
  async add(requests: Parameters<EngineApi['add']>[0]): Promise<AddResult> {
    this.#assertOpen()
    const result: AddResult = { added: [], rejected: [] }
    for (let start = 0; start < requests.length; start += EVENT_ROWS) {
      if (start > 0) await new Promise((resolve) => setImmediate(resolve))
      const end = Math.min(requests.length, start + EVENT_ROWS)
      await this.#batch.run(() => {
        for (let index = start; index < end; index++) this.#addOne(requests[index], index, result)
        this.#pump()
      })
    }
    return result
  }

  #addOne(request: AddRequest | undefined, index: number, result: AddResult): void {
    if (this.#closed) {
      result.rejected.push({
        index,
        url: String(request?.url),
        error: { code: ERROR_CODES.cancelled, message: 'the engine is shutting down' },
      })
      return
    }
    const url = typeof request?.url === 'string' ? request.url : String(request?.url)
    try {
      // The key first: a rerun's 100,000 duplicates cost no record, name or id each.
      const prepared = carryFromEarlier(prepareRecord(request, this.#settings.defaultDir), (id) =>
        this.#records.get(id),
      )
      const existing = duplicateOf(this.#duplicates, prepared)
      if (existing) {
        const other = this.#records.get(existing)!
        result.rejected.push({
          index,
          url,
          existingId: existing,
          error: { code: ERROR_CODES.duplicate, message: duplicateMessage(other, prepared) },
        })
        return
      }
      const record = finishRecord(prepared)
      this.#insert(record)
      this.#store?.put(record)
      this.#enqueue(record)
      const download = this.#snapshotOf(record)
      this.#history.added(record)
      result.added.push(download)
      this.#batch.added(record.id, download)
    } catch (error) {
      const e =
        error instanceof DownpourError
          ? error
          : new DownpourError(ERROR_CODES.internal, String(error))
      result.rejected.push({ index, url, error: e.toJSON() })
    }
  }

  async update(changes: DownloadUpdate[]): Promise<UpdateResult> {
    this.#assertOpen()
    return this.#batch.run(() => this.#update(changes))
  }

  #update(changes: DownloadUpdate[]): UpdateResult {
    const result: UpdateResult = { updated: [], rejected: [] }
    changes.forEach((change, index) => {
      const id = typeof change?.id === 'string' ? change.id : String(change?.id)
      this.work.visited++
      const record = this.#records.get(id)
      try {
        if (!record) throw notFound(id)
        const next = applyUpdate(record, change)
        const renamed = next.requestedName !== record.requestedName
        if (renamed) {
          const key = {
            urlKey: urlKeyOf(record.url),
            dir: record.dir,
            requestedName: next.requestedName,
          }
          if (this.#duplicates.find(key, id) !== undefined) {
            throw new DownpourError(
              ERROR_CODES.duplicate,
              `another download already saves this URL as "${next.name}" in ${record.dir}`,
            )
          }
        }
        // A rerun sends every option again: unchanged ones cost no event and no journal line.
        if (sameOptions(record, next)) {
          result.updated.push(this.#snapshotOf(record))
          return
        }
        if (renamed) this.#duplicates.delete(record)
        Object.assign(record, next)
        if (renamed) this.#duplicates.add(record)
        const slot = this.#slots.get(id)
        if (slot !== undefined) this.#shared.stats.setRate(slot, record.speedLimit)
        this.#changed(record)
        result.updated.push(this.#snapshotOf(record))
      } catch (error) {
        const e =
          error instanceof DownpourError
            ? error
            : new DownpourError(ERROR_CODES.internal, String(error))
        result.rejected.push({ index, id, error: e.toJSON() })
      }
    })
    return result
  }

  /** One `download/changed` for everything paused (see EventBatch). */
  pause(selection: Selection): Promise<{ affected: string[] }> {
    return this.#batch.run(() => this.#pause(selection))
  }

  async #pause(selection: Selection): Promise<{ affected: string[] }> {
    const affected = this.#select(selection).filter((r) =>
      ['queued', 'probing', 'downloading', 'retrying', 'verifying'].includes(r.state),
    )
    // Those not running change state together: one journal line for all of them.
    this.#setStates(
      affected.filter((r) => !this.#transfers.has(r.id)),
      'paused',
      { nextRetryAt: null },
    )
    await Promise.all(
      affected.filter((r) => r.state !== 'paused').map((r) => this.#stopTransfer(r, 'paused')),
    )
    // Said where the person looks: a paused download the server cannot resume starts over, and
    // one whose server never said is only tried.
    for (const r of affected) {
      if (r.state !== 'paused' || r.resumable === true) continue
      if (r.resumable === false)
        this.#log(
          'warn',
          r.id,
          r.size === null
            ? `${r.name}: cannot resume: the server sent no length (a chunked answer)`
            : `${r.name}: cannot resume: the server does not support ranges`,
        )
      else if (r.done > 0) this.#log('warn', r.id, `${r.name}: ${MAY_NOT_RESUME}`)
    }
    this.#pump()
    return { affected: affected.map((r) => r.id) }
  }

  resume(selection: Selection): Promise<{ affected: string[] }> {
    return this.#batch.run(() => {
      const affected = this.#select(selection).filter((r) => r.state === 'paused')
      // The person acted: why it was paused (a full disk) no longer describes it.
      this.#setStates(affected, 'queued', { failuresInARow: 0, error: null })
      this.#pump()
      return { affected: affected.map((r) => r.id) }
    })
  }

  /**
   * Failed downloads wait again, ahead of every download already waiting: a retry is something
   * the person asked for now, not a new download for the back of the queue. Those standing
   * behind the first waiting download move, as one block and in their order, to just before it
   * (one `download/moved`); the rest keep their places. Then one `download/changed` for all.
   */
  retry(selection: Selection): Promise<{ affected: string[] }> {
    return this.#batch.run(async () => {
      const affected = this.#select(selection).filter((r) => r.state === 'failed')
      const first = affected.length > 0 ? this.#firstWaiting() : null
      if (first !== null) {
        const behind = affected.filter((r) => this.#places.position(r.id)! > first.position)
        if (behind.length > 0)
          await this.moveMany(
            behind.map((r) => r.id),
            { before: first.id },
          )
      }
      this.#setStates(affected, 'queued', { failuresInARow: 0, error: null })
      this.#pump()
      return { affected: affected.map((r) => r.id) }
    })
  }

  /**
   * Starts queued or paused downloads at once, past "Downloads at once" (as IDM's and FDM's
   * Start on a waiting download): the person chose these to run now. Each keeps its place in
   * the queue and counts among the running from then on, so nothing else starts until fewer
   * than the limit run. Its first connection opens even when its server's connection cap is
   * reached (one over, per download started so); further connections keep to the cap. Others
   * in the selection are left as they are (a failed download has Retry).
   */
  startNow(selection: Selection): Promise<{ affected: string[] }> {
    return this.#batch.run(() => {
      this.#assertOpen()
      // The shared statistics have room for MAX_DOWNLOADS running downloads: past that, the
      // rest keep waiting (not in `affected`).
      const affected = this.#select(selection)
        .filter((r) => (r.state === 'queued' || r.state === 'paused') && !this.#transfers.has(r.id))
        .slice(0, this.#downloadSlots.free)
      this.#setStates(
        affected.filter((r) => r.state === 'paused'),
        'queued',
        { failuresInARow: 0 },
      )
      for (const record of affected) this.#start(record, this.#hostOf(record))
      this.#pump()
      return { affected: affected.map((r) => r.id) }
    })
  }

  /** One `download/removed` for everything removed (see EventBatch). */
  remove(
    selection: Selection,
    options: { deleteFiles?: boolean } = {},
  ): Promise<{ affected: string[] }> {
    return this.#batch.run(() => this.#remove(selection, options))
  }

  async #remove(
    selection: Selection,
    options: { deleteFiles?: boolean },
  ): Promise<{ affected: string[] }> {
    const affected = this.#select(selection)
    const wasCompleted = new Set(affected.filter((r) => r.state === 'completed').map((r) => r.id))
    await Promise.all(affected.map((record) => this.#stopTransfer(record, 'removed')))
    const gone = new Set(affected.map((r) => r.id))
    // One pass over the queue, whatever the number removed.
    this.#order = this.#order.filter((id) => !gone.has(id))
    this.work.visited += this.#order.length
    for (const record of affected) {
      this.#batch.removed(record.id)
      this.#records.delete(record.id)
      this.#history.forget(record.id)
      this.#watch.forget(record.id)
      this.#places.delete(record.id)
      this.#duplicates.delete(record)
      this.#missingFiles.forget(record.id)
      if (record.nameChosen) this.#reservedPaths.delete(join(record.dir, record.name))
      this.#store?.remove(record.id)
      if (options.deleteFiles && record.nameChosen && !wasCompleted.has(record.id)) {
        await deletePartFiles(record.dir, record.name)
      }
    }
    this.#pump()
    return { affected: affected.map((r) => r.id) }
  }

  async move(id: string, position: number): Promise<MovedBlock> {
    return this.moveMany([id], { position })
  }

  /**
   * One pass over the queue whatever the number moved: the plan, the new positions and the
   * waiting heap are each O(n); one journal line and one event name only the moved ids.
   */
  async moveMany(ids: string[], to: MoveTarget): Promise<MovedBlock> {
    this.work.visited += this.#order.length
    const { moved, order } = planBlockMove(this.#order, ids, to)
    // Alt+Up on the first row or Alt+Down on the last (a held key repeats it), or a drop where
    // the rows already are, changes nothing: no event, no revision, no save.
    if (order === null) return moved
    this.#order = order
    // Positions change for everyone between the old places and the new: renumber, and the
    // waiting heap takes the new numbers (no entry is made again: no URL parsed again).
    this.#places.renumber(order)
    this.#waiting.renumber((other) => this.#places.position(other))
    this.#batch.flush()
    this.events.emit('download/moved', { revision: ++this.#revision, ...moved })
    this.#store?.moveBlock(moved.ids, moved.position)
    this.#pump()
    return moved
  }

  async snapshot(): ReturnType<EngineApi['snapshot']> {
    return {
      revision: this.#revision,
      downloads: this.#order.map((id) => this.#snapshotOf(this.#records.get(id)!)),
      settings: this.#settings,
    }
  }

  async snapshotHead(first: number): ReturnType<EngineApi['snapshotHead']> {
    return this.#cursors.head(first)
  }

  async snapshotPart(cursor: string, count: number): ReturnType<EngineApi['snapshotPart']> {
    return this.#cursors.part(cursor, count)
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
      this.#dispatcher = createDispatcher(this.#dispatcherOptions())
      void old.close().catch(() => {})
      this.#shared.pool.updateDispatcher(this.#dispatcherOptions())
    }
    this.#shared.stats.setRate(-1, this.#settings.maxOverallDownloadLimit)
    this.#batch.flush()
    this.events.emit('settings/changed', { revision: ++this.#revision, settings: this.#settings })
    this.#store?.settingsChanged()
    if (this.#settings.maxConcurrentDownloads < before.maxConcurrentDownloads)
      await this.#requeueOverLimit()
    this.#pump()
    return this.#settings
  }

  /**
   * A lower "downloads at once" applies now: the running downloads furthest back in the queue
   * stop (their bytes durable, as a pause leaves them) and wait queued again, in their places.
   * One checking its file is left to finish: its bytes are all there.
   */
  async #requeueOverLimit(): Promise<void> {
    const running = [...this.#transfers.values()]
      .map((t) => t.record)
      .filter((r) => ACTIVE_STATES.has(r.state) || r.state === 'retrying')
    const excess = running.length - this.#settings.maxConcurrentDownloads
    if (excess <= 0) return
    const last = running
      .filter((r) => r.state !== 'verifying')
      .sort((a, b) => (this.#places.position(b.id) ?? 0) - (this.#places.position(a.id) ?? 0))
      .slice(0, excess)
    await Promise.all(
      last.map(async (record) => {
        await this.#transfers.get(record.id)?.stop()
        // Paused, removed or finished meanwhile: that word stands.
        if (!ACTIVE_STATES.has(record.state) && record.state !== 'retrying') return
        record.nextRetryAt = null
        this.#setState(record, 'queued')
      }),
    )
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
      duplicateOf: (key) => {
        const other = this.#duplicates.find(key, id)
        return other !== undefined ? (this.#records.get(other) ?? null) : null
      },
      // The index holds the record under its URL: out before it changes, back in after.
      urlChanging: () => this.#duplicates.delete(record),
      urlChanged: () => this.#duplicates.add(record),
    })
    const left = droppedHeaders.length > 0 ? ` (not sent there: ${droppedHeaders.join(', ')})` : ''
    this.#history.note(id, 'url-changed', `URL changed from ${from} to ${to}${left}`)
    // A paused download stays paused (the person resumes it when they choose); a failed one
    // is queued again: the new URL is the fix it waited for.
    if (record.state === 'paused') this.#changed(record)
    else this.#setState(record, 'queued')
    await this.#store?.flush()
    this.#pump()
    return this.#snapshotOf(record)
  }

  async checkFiles(selection: Selection): Promise<{ missing: string[] }> {
    this.#assertOpen()
    return { missing: await this.#lookForFiles(selection) }
  }

  /** Looks at the selected completed downloads' files; announces those whose answer changed. */
  #lookForFiles(selection: Selection): Promise<string[]> {
    // A look, not a command: a row removed meanwhile is no error (the window asks for what it
    // shows, and the rows change under it).
    const records = (
      'all' in selection
        ? this.#select(selection)
        : selection.ids.flatMap((id) => this.#records.get(id) ?? [])
    ).filter((r) => r.state === 'completed')
    return this.#missingFiles.check(records, (flipped) => {
      if (this.#closed) return
      void this.#batch.run(() => {
        for (const record of flipped) this.#changed(record, false)
      })
    })
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

  /** Bytes the queue store wrote so far (journal and snapshots), for the benchmark. */
  get persistence(): { journal: number; snapshot: number; compactions: number } | null {
    return this.#store ? { ...this.#store.written } : null
  }

  /** Stops every transfer (partial data durable), saves the queue, closes connections. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#heartbeat.stop()
    try {
      await Promise.all([...this.#transfers.values()].map((t) => t.stop()))
      await this.#store?.close()
      // Every transfer is stopped: whatever is left are idle keep-alive sockets.
      await this.#dispatcher.destroy().catch(() => {})
      await this.#shared.pool.close()
      await this.#marker?.flush()
    } finally {
      await this.#lock?.release()
    }
  }

  // ---- internals ----

  /** A record joins the queue's indexes (order, duplicate key, position, its name's reservation). */
  #insert(record: DownloadRecord, known = false): void {
    if (!known) this.#records.set(record.id, record)
    this.#order.push(record.id)
    this.#duplicates.add(record)
    this.#places.add(record.id, record.state)
    if (record.nameChosen) this.#reservedPaths.add(join(record.dir, record.name))
  }

  /** A queued record waits for the pump (O(log n)). */
  #enqueue(record: DownloadRecord): void {
    if (record.state !== 'queued' || this.#waiting.has(record.id)) return
    const position = this.#places.position(record.id)
    if (position === undefined) return
    this.#waiting.push({ id: record.id, position, host: this.#hostOf(record) })
  }

  #hostOf(record: DownloadRecord): string {
    const parsed = new URL(record.url).host
    // One string per host, not one per waiting download (100,000 copies of "127.0.0.1:8080").
    let host = this.#hosts.get(parsed)
    if (host === undefined) this.#hosts.set(parsed, (host = parsed))
    return host
  }

  #pump(): void {
    if (this.#closed) return
    const limit = this.#settings.maxConcurrentDownloads
    const waiting = this.#waiting
    let blocked: ReturnType<WaitingQueue['pop']>[] | null = null
    let blockedHosts: Set<string> | null = null
    let blockedWithEntries = 0
    while (this.#transfers.size < limit && waiting.size > 0) {
      // Every host that still has waiting downloads is at its cap: nothing more can start.
      if (blockedWithEntries > 0 && blockedWithEntries >= waiting.hosts) break
      const entry = waiting.pop()!
      this.work.visited++
      if (blockedHosts?.has(entry.host) && waiting.entriesFor(entry.host) === 0)
        blockedWithEntries--
      const record = this.#records.get(entry.id)
      // Stale: removed, paused or started since it was queued (one still winding down is
      // queued again when its transfer ends).
      if (!record || record.state !== 'queued' || this.#transfers.has(entry.id)) continue
      if (!this.#hostConnections.mayStart(entry.host)) {
        // Its host is at its cap: it keeps its place, later ones may still start.
        ;(blocked ??= []).push(entry)
        blockedHosts ??= new Set()
        if (!blockedHosts.has(entry.host)) {
          blockedHosts.add(entry.host)
          if (waiting.entriesFor(entry.host) > 0) blockedWithEntries++
        }
        continue
      }
      this.#start(record, entry.host)
    }
    if (blocked) for (const entry of blocked) waiting.push(entry!)
  }

  /**
   * The waiting download first in queue order (the heap's top, O(log n)): stale entries met on
   * the way are dropped, as the pump drops them.
   */
  #firstWaiting(): { id: string; position: number } | null {
    for (let top = this.#waiting.peek(); top !== undefined; top = this.#waiting.peek()) {
      this.work.visited++
      const record = this.#records.get(top.id)
      if (record?.state === 'queued' && !this.#transfers.has(top.id)) return top
      this.#waiting.pop()
    }
    return null
  }

  #start(record: DownloadRecord, host: string): void {
    const hostAccount = this.#hostConnections.open(host)
    const downloadSlot = this.#downloadSlots.take()
    this.#shared.stats.setRate(downloadSlot, record.speedLimit)
    // The slot's counter still holds the bytes of the download that used it last.
    this.#shared.stats.setDownloadBytes(downloadSlot, record.done)
    const transfer = new DownloadTransfer(record, {
      dispatcher: () => this.#dispatcher,
      settings: () => this.#settings,
      reservedPaths: this.#reservedPaths,
      othersLive: async () => (this.#othersLive ? await this.#othersLive() : null),
      ensureDir: (dir) => this.#folders.ensure(dir, record.done > 0),
      freeSpace: this.#freeSpace,
      log: (level, message, error) => {
        this.#history.log(
          record.id,
          level,
          message,
          error ? { ...error.toJSON(), status: error.status } : undefined,
        )
        this.#log(level, record.id, `${record.name}: ${message}`, error?.toJSON())
      },
      changed: (options) => this.#changed(record, options?.journal ?? true),
      journal: () => this.#journalNow(record),
      journaled: () => this.#journaledAs.get(record) === journalKey(record),
      shared: this.#shared,
      downloadSlot,
      acquireSlot: (h) => hostAccount.tryTake(h),
      releaseSlot: (h) => hostAccount.give(h),
    })
    this.#transfers.set(record.id, transfer)
    this.#slots.set(record.id, downloadSlot)
    this.#heartbeat.track(record.id)
    void transfer.run().then((outcome) => {
      this.#transfers.delete(record.id)
      this.#slots.delete(record.id)
      this.#shared.stats.setRate(downloadSlot, 0)
      this.#downloadSlots.give(downloadSlot)
      hostAccount.close()
      this.#heartbeat.untrack(record.id)
      // A completed download was announced as such with its final figures; a failed or stopped
      // one made its last bytes durable after that (and now shows no connections).
      if (outcome !== 'completed') this.#changed(record)
      else this.#markOrigin(record)
      // Queued again while it was winding down (a retry right after its failure): the pump
      // dropped its entry then, as a running download's.
      if (record.state === 'queued') this.#enqueue(record)
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
    // 'removed' is not journaled: the `del` line #remove appends next says it (a crash before
    // that leaves the download as it was, not as a record in a state nothing reads back).
    this.#setState(record, state, state !== 'removed')
  }

  /** Queues the completed file's origin mark (the URL the bytes came from, the Referer). */
  #markOrigin(record: DownloadRecord): void {
    if (!this.#marker) return
    const referer = Object.entries(record.headers).find(([k]) => k.toLowerCase() === 'referer')
    this.#marker.mark({
      path: join(record.dir, record.name),
      url: record.finalUrl ?? record.url,
      referrer: referer?.[1] ?? null,
    })
  }

  #setState(record: DownloadRecord, state: DownloadState, persist = true): void {
    record.state = state
    this.#changed(record, persist)
  }

  /**
   * A command on many downloads that are not running: the same fields set on each, journaled
   * as one line (see QueueStore.set), then announced one by one as any change is.
   */
  #setStates(records: DownloadRecord[], state: DownloadState, fields: StateFields): void {
    if (records.length === 0) return
    for (const record of records) Object.assign(record, fields, { state })
    this.#store?.set(
      records.map((r) => r.id),
      { ...fields, state },
    )
    for (const record of records) this.#changed(record, false)
  }

  /** `persist` is false when the caller journaled the change itself (#setStates). */
  #changed(record: DownloadRecord, persist = true): void {
    if (!this.#records.has(record.id)) return
    this.work.visited++
    if (persist) this.#store?.put(record)
    // A stopped transfer reports its last states after the user paused it: keep the user's.
    const transfer = this.#transfers.get(record.id)
    const previousState = this.#places.announced(record.id) ?? record.state
    if (transfer?.stopped && (previousState === 'paused' || previousState === 'removed')) {
      record.state = previousState
    }
    this.#history.observe(record, previousState)
    if (this.#closed && ACTIVE_STATES.has(record.state)) return
    if (record.nameChosen && !this.#namedSaved.has(record)) {
      // A name chosen without #journalNow (none should be): saved now, and again at the next
      // change until the journal holds it.
      if (this.#store?.writeNow() !== false) this.#namedSaved.add(record)
    }
    if (record.state === 'queued' && previousState !== 'queued') this.#enqueue(record)
    this.#places.announce(record.id, record.state)
    this.#batch.changed(record.id, previousState)
  }

  /**
   * The record as it is now reaches the journal at once (the page cache: kill -9 cannot undo
   * that) — its chosen name before its `.part` is created, its size before it is published —
   * so a crash right after either finds a record that says which file is its own. A journal
   * that cannot be written (a full state folder) throws: the download pauses with that reason
   * rather than make a file no record names.
   */
  #journalNow(record: DownloadRecord): void {
    const store = this.#store
    if (!store) return
    store.put(record)
    if (!store.writeNow()) throw store.failure!
    this.#namedSaved.add(record)
    this.#journaledAs.set(record, journalKey(record))
  }

  #snapshotOf(record: DownloadRecord) {
    const transfer = this.#transfers.get(record.id)
    const live = this.#heartbeat.figures(record.id, record)
    const snapshot = toSnapshot(
      record,
      { ...live, connections: transfer?.connections ?? 0 },
      this.#settings,
    )
    if (record.state === 'completed' && this.#missingFiles.has(record.id))
      snapshot.fileMissing = true
    return snapshot
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
      counting: t.counting,
    }))
  }

  #select(selection: Selection): DownloadRecord[] {
    if ('all' in selection) {
      this.work.visited += this.#order.length
      return this.#order.map((id) => this.#records.get(id)!)
    }
    this.work.visited += selection.ids.length
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

function sameOptions(record: DownloadRecord, next: Partial<DownloadRecord>): boolean {
  for (const [key, value] of Object.entries(next)) {
    const current = record[key as keyof DownloadRecord]
    if (value === current) continue
    // checksum and headers are small objects: equal when their JSON is.
    if (typeof value !== 'object' || JSON.stringify(value) !== JSON.stringify(current)) return false
  }
  return true
}

/** What a publish needs the journal to know about a record: its folder, name and size. */
function journalKey(record: DownloadRecord): string {
  return `${record.dir}\0${record.name}\0${record.size}`
}

function notFound(id: string): DownpourError {
  return new DownpourError(ERROR_CODES.notFound, `no download with id ${id}`)
}
