import type { MovedBlock } from './block-move.ts'
import type { DownloadDescription } from './download-patch.ts'
import type { LogLevel, SegmentMap } from './details.ts'
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
  /** See `DownloadSnapshot.lastByteAt` (changes only when `done` does: no extra item per beat). */
  lastByteAt?: number
}

/**
 * One download's change inside a `download/changed` event: the download whole, or only the
 * fields that changed (a bulk command's; see download-patch.ts), and the state the previous
 * event about it named.
 */
export type DownloadChange = { download: DownloadDescription; previousState: DownloadState }

/**
 * Everything the engine tells its clients. Keys are `'area/verb'` on the wire.
 * `revision` increases by one with every change to the set of downloads or their non-progress
 * fields, so a client that sees a gap knows it missed something and asks for a snapshot.
 */
export type EngineEvents = {
  /** The whole state; sent on connect and whenever a client asks. */
  'engine/snapshot': { revision: number; downloads: DownloadSnapshot[]; settings: Settings }
  /**
   * Downloads joined the queue, appended in this order. A bulk change travels as one event (a
   * list of 10,000 is one `add`, so one event per download made a client re-derive its view
   * 10,000 times); a very long list comes in a few events of at most `EVENT_ROWS` downloads each,
   * so no single message is megabytes of JSON to parse in one task.
   */
  'download/added': { revision: number; downloads: DownloadSnapshot[] }
  /**
   * State changes or changes of name/size/error/options, one entry per download (the download
   * as it is now — whole, or only what changed — and the state the previous event about it
   * named); one event for a command on many downloads (pause, resume, retry of a selection),
   * split like `download/added`.
   */
  'download/changed': { revision: number; changes: DownloadChange[] }
  /** Downloads that left the queue (one event for a `remove` of many). */
  'download/removed': { revision: number; ids: string[] }
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

/**
 * Every event name once, with its kind: `change` events carry the queue's next `revision` and
 * change what a mirror of the queue holds (a client applies them in revision order after a
 * snapshot). The lists below derive from it; an event added to `EngineEvents` without an entry
 * here (or an entry without an event) fails the typecheck.
 */
const EVENT_KINDS = {
  'engine/snapshot': 'snapshot',
  'download/added': 'change',
  'download/changed': 'change',
  'download/removed': 'change',
  'download/moved': 'change',
  'settings/changed': 'change',
  'progress/beat': 'beat',
  'segments/beat': 'beat',
  'ui/changed': 'other',
  'log/entry': 'other',
} as const satisfies Record<EngineEventName, 'snapshot' | 'change' | 'beat' | 'other'>

/** Every event the engine emits. */
export const ENGINE_EVENT_NAMES = Object.keys(EVENT_KINDS) as EngineEventName[]

/** The events that move the queue's revision (see `EVENT_KINDS`). */
export type RevisionedEventName = {
  [K in EngineEventName]: (typeof EVENT_KINDS)[K] extends 'change' ? K : never
}[EngineEventName]

export const REVISIONED_EVENT_NAMES = ENGINE_EVENT_NAMES.filter(
  (name) => EVENT_KINDS[name] === 'change',
) as RevisionedEventName[]

/**
 * Most downloads one `download/added` or `download/changed` carries (~420 KB of JSON): a
 * client parses and applies each within a frame or two, where one message of a whole long queue
 * is a long task of its own (docs/benchmarks.md, "Figures behind the window's comments").
 */
export const EVENT_ROWS = 1000
