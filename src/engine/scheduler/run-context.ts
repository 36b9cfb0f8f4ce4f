import type { Dispatcher } from 'undici'
import type { DownloadHistory } from '../details/download-history.ts'
import type { DownpourError } from '../../shared/protocol/errors.ts'
import type { LogLevel } from '../../shared/protocol/details.ts'
import type { Settings } from '../../shared/protocol/model.ts'
import type { DownloadRecord } from '../model/download-record.ts'
import type { DownloadFolders } from '../storage/download-folders.ts'
import type { FreeSpace } from '../storage/free-space.ts'
import type { TransferContext } from '../transfer/download-transfer.ts'
import type { TransferPool } from '../transfer/transfer-pool.ts'
import type { SharedStats, SlotAllocator } from '../stats/shared-stats.ts'
import type { ChangePublisher } from './change-publisher.ts'
import type { HostAccount } from './host-connections.ts'

/** The engine's parts every running download's context reaches (TransferRuns holds them). */
export type ContextParts = {
  publisher: ChangePublisher
  history: DownloadHistory
  shared: { stats: SharedStats; segmentSlots: SlotAllocator; pool: TransferPool }
  dispatcher(): Dispatcher
  settings(): Settings
  /** See EngineOptions.othersLive. */
  othersLive: (() => Promise<string | null>) | null
  freeSpace: FreeSpace
}

/**
 * What one running download's transfer asks of the engine (TransferContext), as one object
 * whose methods are its class's: a literal of a dozen arrow functions made a closure each per
 * started download, and they lived as long as the download — past scavenges, so promoted (W2's
 * 2,000 small files, docs/benchmarks.md).
 */
export class RunContext implements TransferContext {
  readonly #p: ContextParts
  readonly #record: DownloadRecord
  readonly #host: HostAccount
  readonly #folders: DownloadFolders
  readonly reservedPaths: Set<string>
  readonly freeSpace: FreeSpace
  readonly shared: ContextParts['shared']
  readonly downloadSlot: number
  /** The engine's own functions (no `this`): callers may hold them detached. */
  readonly dispatcher: () => Dispatcher
  readonly settings: () => Settings

  constructor(
    parts: ContextParts,
    record: DownloadRecord,
    host: HostAccount,
    folders: DownloadFolders,
    reservedPaths: Set<string>,
    downloadSlot: number,
  ) {
    this.#p = parts
    this.#record = record
    this.#host = host
    this.#folders = folders
    this.reservedPaths = reservedPaths
    this.freeSpace = parts.freeSpace
    this.shared = parts.shared
    this.downloadSlot = downloadSlot
    this.dispatcher = parts.dispatcher
    this.settings = parts.settings
    host.measure(this)
  }

  /** Bytes the download still has to fetch (its host share follows them), null: size unknown. */
  bytesLeft(): number | null {
    const size = this.#record.size
    if (size === null) return null
    return Math.max(0, size - this.shared.stats.downloadBytes(this.downloadSlot))
  }

  async othersLive(): Promise<string | null> {
    return this.#p.othersLive ? await this.#p.othersLive() : null
  }

  ensureDir(dir: string): Promise<void> {
    return this.#folders.ensure(dir, this.#record.done > 0)
  }

  log(level: LogLevel, message: string, error?: DownpourError): void {
    const p = this.#p
    const record = this.#record
    p.history.log(
      record.id,
      level,
      message,
      error ? { ...error.toJSON(), status: error.status } : undefined,
    )
    p.publisher.log(level, record.id, `${record.name}: ${message}`, error?.toJSON())
  }

  changed(options?: { journal: boolean }): void {
    this.#p.publisher.changed(this.#record, options?.journal ?? true)
  }

  journal(): void {
    this.#p.publisher.journalNow(this.#record)
  }

  journaled(): boolean {
    return this.#p.publisher.journaled(this.#record)
  }

  firstConnection(signal: AbortSignal): Promise<void> | null {
    return this.#host.ready(signal)
  }

  acquireSlot(host: string): boolean {
    return this.#host.tryTake(host)
  }

  releaseSlot(host: string): void {
    this.#host.give(host)
  }

  slotsOverShare(host: string): number {
    return this.#host.excess(host)
  }

  hostShared(host: string): boolean {
    return this.#host.shared(host)
  }
}
