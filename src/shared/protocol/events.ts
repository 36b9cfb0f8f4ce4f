import type { MovedBlock } from './block-move.ts'
import type { SegmentMap } from './details.ts'
import type { DownloadError, DownloadSnapshot, DownloadState, Settings } from './model.ts'
import type { UiPreferences } from './ui-preferences.ts'

/**
 * Progress of one download in one heartbeat. Sent only for downloads whose figures changed.
 */
export type ProgressItem = {
  id: string
  done: number
  size: number | null
  speed: number
  eta: number | null
  connections: number
}

export type LogLevel = 'info' | 'warn' | 'error'

/**
 * Everything the engine tells its clients. Keys are `'area/verb'` on the wire.
 * `revision` increases by one with every change to the set of downloads or their non-progress
 * fields, so a client that sees a gap knows it missed something and asks for a snapshot.
 */
export type EngineEvents = {
  /** The whole state; sent on connect and whenever a client asks. */
  'engine/snapshot': { revision: number; downloads: DownloadSnapshot[]; settings: Settings }
  'download/added': { revision: number; download: DownloadSnapshot }
  /** A state change or a change of name/size/error/options. */
  'download/changed': { revision: number; download: DownloadSnapshot; previousState: DownloadState }
  'download/removed': { revision: number; id: string }
  /**
   * A `move` or `moveMany` changed the queue order: `ids` (in their queue order) now stand
   * together from index `position`, everything else keeps its order (`applyBlockMove` in
   * block-move.ts). What changed, not the whole order: a client applies it to its own copy.
   */
  'download/moved': { revision: number } & MovedBlock
  'settings/changed': { revision: number; settings: Settings }
  /**
   * One batched event per heartbeat (default every 250 ms) for all downloads whose progress
   * changed. `seq` and `at` let a UI show that the engine is alive even when nothing moves.
   */
  'progress/beat': {
    seq: number
    at: number
    revision: number
    /** Bytes/s over all downloads. */
    speed: number
    active: number
    items: ProgressItem[]
  }
  /**
   * Connection maps of the running downloads someone watches (`watchSegments`), on the
   * heartbeat; over RPC each client gets only the downloads it watches, and nothing at all
   * while it watches none.
   */
  'segments/beat': { seq: number; at: number; items: SegmentMap[] }
  /** The UI preferences changed (another window, a browser tab). */
  'ui/changed': { preferences: UiPreferences }
  /** Human-readable history: retries and their reasons, restarts, files set aside. */
  'log/entry': {
    at: number
    level: LogLevel
    id: string | null
    message: string
    error?: DownloadError
  }
}

export type EngineEventName = keyof EngineEvents
