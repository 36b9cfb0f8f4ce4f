import type { Dispatcher } from 'undici'
import type { DownpourError } from '../../shared/protocol/errors.ts'
import type { LogLevel } from '../../shared/protocol/details.ts'
import type { Settings } from '../../shared/protocol/model.ts'
import type { SharedStats, SlotAllocator } from '../stats/shared-stats.ts'
import type { FreeSpace } from '../storage/free-space.ts'
import type { TransferPool } from './transfer-pool.ts'

/** What a download's transfer asks of the engine around it (the scheduler builds one per run). */
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
  /**
   * Null when the download's first connection may open now; else a promise that settles when
   * its host (at its cap as it started) has a slot for it, or when `signal` aborts.
   */
  firstConnection(signal: AbortSignal): Promise<void> | null
  /** Per-host connection cap across all downloads: a slot for one more connection, or false. */
  acquireSlot(host: string): boolean
  releaseSlot(host: string): void
  /** Extra connections to `host` past this download's fair share: to hand over (HostAccount). */
  slotsOverShare(host: string): number
  /** Whether another download on `host` waits for a connection there (HostAccount.shared). */
  hostShared(host: string): boolean
}

/** 'paused': the transfer paused itself (a full disk), its data kept for a later resume. */
export type TransferOutcome = 'completed' | 'failed' | 'stopped' | 'paused'
