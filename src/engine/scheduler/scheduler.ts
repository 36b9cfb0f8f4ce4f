import { mkdir } from 'node:fs/promises'
import type { AddResult, EngineApi, Selection, UpdateResult } from '../../shared/protocol/api.ts'
import type { MovedBlock, MoveTarget } from '../../shared/protocol/block-move.ts'
import { DownpourError, ERROR_CODES } from '../../shared/protocol/errors.ts'
import type { EngineEvents } from '../../shared/protocol/events.ts'
import type {
  DownloadSnapshot,
  DownloadUpdate,
  IfExists,
  Settings,
} from '../../shared/protocol/model.ts'
import type { SettingsPatchInput } from '../../shared/protocol/setting-units.ts'
import type { DownloadDetails, SegmentMap } from '../../shared/protocol/details.ts'
import { Emitter } from '../../shared/emitter.ts'
import { DownloadHistory } from '../details/download-history.ts'
import { SegmentWatch } from '../details/segment-watch.ts'
import { buildDetails, restingSegmentMap } from '../details/download-details.ts'
import type { TlsOptions } from '../transfer/http-dispatcher.ts'
import { QueueStore } from '../storage/queue-store.ts'
import type { StateLock } from '../storage/state-lock.ts'
import type { OriginMarker } from '../storage/origin-marker.ts'
import { memoFreeSpace, statfsFreeSpace, type FreeSpace } from '../storage/free-space.ts'
import { ProgressHeartbeat } from '../stats/progress-heartbeat.ts'
import { MAX_SEGMENTS, SharedStats, SlotAllocator } from '../stats/shared-stats.ts'
import { TransferPool } from '../transfer/transfer-pool.ts'
import { BulkCommands } from './bulk-commands.ts'
import { RecordCommands } from './record-commands.ts'
import { restoreQueue } from './queue-restore.ts'
import { ChangePublisher } from './change-publisher.ts'
import { DownloadPump } from './download-pump.ts'
import { DownloadTable } from './download-table.ts'
import { EventBatch } from './event-batch.ts'
import { changeFolder } from './folder-change.ts'
import { HostConnections } from './host-connections.ts'
import { MissingFiles } from './missing-files.ts'
import { SettingsHolder } from './settings-holder.ts'
import { QueueSnapshots } from './queue-snapshots.ts'
import { TransferRuns } from './transfer-runs.ts'

export { MAY_NOT_RESUME } from './bulk-commands.ts'

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
  /** See EngineOptions.queueIfExists. */
  queueIfExists?: IfExists
}

/** The commands the scheduler answers; the engine keeps the window's preferences itself. */
export type SchedulerCommands = Omit<EngineApi, 'uiPreferences' | 'updateUiPreferences'>

/**
 * The engine's single owner of download state: commands come in, events go out, nothing else
 * touches a record. Starts queued downloads in queue order within the concurrency and per-host
 * connection limits; persists every change (coalesced). Each job has its own home, wired here:
 * the queue's records and indexes (DownloadTable), starting waiting downloads (DownloadPump),
 * running one transfer to its end (TransferRuns), how a change gets out (ChangePublisher),
 * commands on many downloads (BulkCommands), the settings and what is made from them
 * (SettingsHolder), connections per host (HostConnections), how downloads and the queue are
 * described to clients (QueueSnapshots).
 */
export class Scheduler implements SchedulerCommands {
  readonly events = new Emitter<EngineEvents>()
  #table = new DownloadTable()
  /** See DownloadTable.work. */
  readonly work = this.#table.work
  #config: SettingsHolder
  #lock: StateLock | null
  #shared: { stats: SharedStats; segmentSlots: SlotAllocator; pool: TransferPool }
  #revision = 0
  #store: QueueStore | null
  #heartbeat: ProgressHeartbeat
  #closed = false
  #history = new DownloadHistory()
  #watch = new SegmentWatch()
  /** Completed downloads whose file is gone (see MissingFiles). */
  #missingFiles = new MissingFiles()
  #batch = new EventBatch({
    events: this.events,
    nextRevision: () => ++this.#revision,
    snapshotOf: (id) => this.#snapshots.ofId(id),
    patchOf: (id, fields) => this.#snapshots.patchOf(id, fields),
  })
  #snapshots: QueueSnapshots
  #publisher: ChangePublisher
  #pump: DownloadPump
  #runs: TransferRuns
  #bulk: BulkCommands
  #records: RecordCommands

  constructor(options: SchedulerOptions) {
    const stats = new SharedStats()
    this.#config = new SettingsHolder({
      settings: options.settings,
      overrides: options.overrides,
      tls: options.tls ?? null,
      stats,
      pool: () => this.#shared.pool,
    })
    this.#shared = {
      stats,
      segmentSlots: new SlotAllocator(MAX_SEGMENTS),
      pool: new TransferPool({
        size: options.transferThreads,
        stats,
        dispatcher: this.#config.dispatcherOptions(),
      }),
    }
    this.#lock = options.lock ?? null
    const table = this.#table
    this.#store = options.stateDir
      ? new QueueStore(
          options.stateDir,
          {
            order: () => table.order,
            record: (id) => table.get(id),
            settings: () => this.#config.current,
          },
          (error) => this.#publisher.log('error', null, error.message, error.toJSON()),
          options.queueIfExists,
        )
      : null
    this.#heartbeat = new ProgressHeartbeat(
      options.heartbeatMs,
      () => this.#runs.figures(),
      (beat) => {
        this.events.emit('progress/beat', { ...beat, revision: this.#revision })
        if (this.#watch.size > 0) this.#emitSegments(beat.seq, beat.at)
      },
    )
    const hosts = new HostConnections(() => this.#config.current.maxConnectionsPerHost)
    this.#publisher = new ChangePublisher({
      table,
      store: this.#store,
      events: this.events,
      batch: this.#batch,
      history: this.#history,
      stopping: (id) => this.#runs.running.get(id)?.stopped === true,
      closed: () => this.#closed,
      enqueue: (record) => this.#pump.enqueue(record),
    })
    this.#runs = new TransferRuns({
      table,
      publisher: this.#publisher,
      hosts,
      heartbeat: this.#heartbeat,
      history: this.#history,
      shared: this.#shared,
      dispatcher: () => this.#config.dispatcher,
      settings: () => this.#config.current,
      othersLive: options.othersLive ?? null,
      freeSpace: options.freeSpace ?? memoFreeSpace(statfsFreeSpace),
      marker: options.originMarker ?? null,
      ended: (record) => {
        // Queued again while it was winding down (a retry right after its failure): the pump
        // dropped its entry then, as a running download's.
        if (record.state === 'queued') this.#pump.enqueue(record)
        this.#pump.pump()
      },
    })
    this.#pump = new DownloadPump({
      table,
      hosts,
      running: this.#runs.running,
      maxConcurrent: () => this.#config.current.maxConcurrentDownloads,
      closed: () => this.#closed,
      start: (record, host) => this.#runs.start(record, host),
    })
    this.#bulk = new BulkCommands({
      table,
      publisher: this.#publisher,
      runs: this.#runs,
      pump: this.#pump,
      batch: this.#batch,
      store: this.#store,
      events: this.events,
      nextRevision: () => ++this.#revision,
      forget: (record) => {
        this.#history.forget(record.id)
        this.#watch.forget(record.id)
        this.#missingFiles.forget(record.id)
      },
    })
    this.#snapshots = new QueueSnapshots({
      table,
      revision: () => this.#revision,
      settings: () => this.#config.current,
      figures: (record) => this.#heartbeat.figures(record.id, record),
      connections: (id) => this.#runs.running.get(id)?.connections ?? 0,
      missingFiles: this.#missingFiles,
    })
    this.#records = new RecordCommands({
      table,
      store: this.#store,
      pump: this.#pump,
      runs: this.#runs,
      publisher: this.#publisher,
      batch: this.#batch,
      history: this.#history,
      config: this.#config,
      closed: () => this.#closed,
      snapshotOf: (record) => this.#snapshots.of(record),
    })
  }

  /** Loads the persisted queue; downloads that were running continue where their bytes end. */
  async open(stateDir: string | null): Promise<void> {
    if (stateDir) await mkdir(stateDir, { recursive: true, mode: 0o700 })
    const store = this.#store
    if (store) {
      await restoreQueue(await store.load(), {
        table: this.#table,
        publisher: this.#publisher,
        store,
        pump: this.#pump,
        runs: this.#runs,
        config: this.#config,
      })
    }
    this.#heartbeat.start()
    this.#pump.pump()
    // In the background, after the first rows can be shown: which completed files are gone.
    if (this.#table.order.length > 0) void this.#lookForFiles({ all: true }).catch(() => {})
  }

  get settings(): Settings {
    return this.#config.current
  }

  /** See RecordCommands.add: in parts, the first downloads starting while the rest are listed. */
  async add(...[requests, options]: Parameters<EngineApi['add']>): Promise<AddResult> {
    this.#assertOpen()
    return this.#records.add(requests, options)
  }

  async update(changes: DownloadUpdate[]): Promise<UpdateResult> {
    this.#assertOpen()
    return this.#batch.run(() => this.#records.update(changes))
  }

  /** One `download/changed` for everything paused (see EventBatch). */
  pause(selection: Selection): Promise<{ affected: string[] }> {
    return this.#batch.run(() => this.#bulk.pause(selection))
  }

  resume(selection: Selection): Promise<{ affected: string[] }> {
    return this.#batch.run(() => this.#bulk.resume(selection))
  }

  /** See BulkCommands.retry: failed downloads wait again, ahead of those already waiting. */
  retry(selection: Selection): Promise<{ affected: string[] }> {
    return this.#batch.run(() => this.#bulk.retry(selection))
  }

  /** See BulkCommands.startNow: past "Downloads at once", each in its place. */
  startNow(selection: Selection): Promise<{ affected: string[] }> {
    return this.#batch.run(() => {
      this.#assertOpen()
      return this.#bulk.startNow(selection)
    })
  }

  /** One `download/removed` for everything removed (see EventBatch). */
  remove(
    selection: Selection,
    options: { deleteFiles?: boolean } = {},
  ): Promise<{ affected: string[] }> {
    return this.#batch.run(() => this.#bulk.remove(selection, options))
  }

  async move(id: string, position: number): Promise<MovedBlock> {
    return this.#bulk.moveMany([id], { position })
  }

  async moveMany(ids: string[], to: MoveTarget): Promise<MovedBlock> {
    return this.#bulk.moveMany(ids, to)
  }

  async snapshot(): ReturnType<EngineApi['snapshot']> {
    return this.#snapshots.whole()
  }

  async snapshotHead(first: number): ReturnType<EngineApi['snapshotHead']> {
    return this.#snapshots.head(first)
  }

  async snapshotPart(cursor: string, count: number): ReturnType<EngineApi['snapshotPart']> {
    return this.#snapshots.part(cursor, count)
  }

  async updateSettings(patch: SettingsPatchInput): Promise<Settings> {
    const before = this.#config.apply(patch)
    const settings = this.#config.current
    this.#batch.flush()
    this.events.emit('settings/changed', { revision: ++this.#revision, settings })
    this.#store?.settingsChanged()
    if (settings.maxConcurrentDownloads < before.maxConcurrentDownloads)
      await this.#runs.requeueOverLimit(settings.maxConcurrentDownloads)
    this.#pump.pump()
    return this.#config.current
  }

  async changeUrl(id: string, url: string): ReturnType<EngineApi['changeUrl']> {
    this.#assertOpen()
    return this.#records.changeUrl(id, url)
  }

  async checkFiles(selection: Selection): Promise<{ missing: string[] }> {
    this.#assertOpen()
    return { missing: await this.#lookForFiles(selection) }
  }

  /** Looks at the selected completed downloads' files; announces those whose answer changed. */
  #lookForFiles(selection: Selection): Promise<string[]> {
    // A look, not a command: a row removed meanwhile is no error (the window asks for what it
    // shows, and the rows change under it).
    const table = this.#table
    const records = (
      'all' in selection
        ? table.select(selection)
        : selection.ids.flatMap((id) => table.get(id) ?? [])
    ).filter((r) => r.state === 'completed')
    return this.#missingFiles.check(records, (flipped) => {
      if (this.#closed) return
      void this.#batch.run(() => {
        for (const record of flipped) this.#publisher.changed(record, false)
      })
    })
  }

  /** See folder-change.ts: another folder for downloads not running (one whose folder is gone). */
  async changeFolder(ids: string[], dir: string): Promise<UpdateResult> {
    this.#assertOpen()
    return changeFolder(
      {
        table: this.#table,
        store: this.#store,
        runs: this.#runs,
        pump: this.#pump,
        publisher: this.#publisher,
        batch: this.#batch,
        history: this.#history,
        snapshotOf: (record) => this.#snapshots.of(record),
      },
      ids,
      dir,
    )
  }

  async details(id: string): Promise<DownloadDetails> {
    const record = this.#table.require(id)
    return buildDetails(
      record,
      this.#snapshots.of(record),
      this.#config.current,
      this.#history.list(id),
    )
  }

  async watchSegments(id: string): Promise<SegmentMap> {
    const record = this.#table.require(id)
    this.#watch.watch(id)
    return this.#runs.segmentMap(id) ?? restingSegmentMap(record)
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
      await this.#runs.stopAll()
      await this.#store?.close()
      // Every transfer is stopped: whatever is left are idle keep-alive sockets.
      await this.#config.dispatcher.destroy().catch(() => {})
      await this.#shared.pool.close()
      await this.#runs.marker?.flush()
    } finally {
      await this.#lock?.release()
    }
  }

  /** The download as it is now, whole, or null when the queue has none by that id. */
  peek(id: string): DownloadSnapshot | null {
    return this.#snapshots.ofId(id)
  }

  #emitSegments(seq: number, at: number): void {
    const items = this.#watch.changed((id) => this.#runs.segmentMap(id))
    if (items.length > 0) this.events.emit('segments/beat', { seq, at, items })
  }

  #assertOpen(): void {
    if (this.#closed) throw new DownpourError(ERROR_CODES.cancelled, 'the engine is shutting down')
  }
}
