import type { MovedBlock, MoveTarget } from './block-move.ts'
import type { DownloadDetails, SegmentMap } from './details.ts'
import type {
  AddRequest,
  DownloadError,
  DownloadSnapshot,
  DownloadUpdate,
  Settings,
} from './model.ts'
import type { SettingsPatchInput } from './setting-units.ts'
import type { UiPreferences } from './ui-preferences.ts'

/** Which downloads a command applies to: a list of ids, or every download. */
export type Selection = { ids: string[] } | { all: true }

export type AddResult = {
  /** The downloads added, in full — empty when the call asked for `'ids'` or `'refusals'`. */
  added: DownloadSnapshot[]
  /** With `{ answer: 'ids' }`: the ids of the downloads added, in the order of the requests. */
  ids?: string[]
  /** Requests that were refused, with the index of the request and why. */
  rejected: { index: number; url: string; error: DownloadError; existingId?: string }[]
}

/**
 * How `add` answers. `'ids'` is for a client that follows the engine's events: each new
 * download reaches it in full in `download/added` already, and repeating them in the answer
 * doubled what a 10,000-URL add sent, serialized and parsed (4 MB more, issue 24).
 * `'refusals'` is for one that needs only what was refused (the add dialog): the 10,000 ids
 * were another 390 KB the page received and parsed for nothing.
 */
export type AddOptions = { answer?: 'downloads' | 'ids' | 'refusals' }

/**
 * The start of a snapshot read in parts (`snapshotHead`): the first rows in queue order and the
 * totals, so a window draws its first screenful before the whole queue has arrived.
 */
export type SnapshotHead = {
  revision: number
  /** The first `first` downloads in queue order (all of them when the queue is that short). */
  downloads: DownloadSnapshot[]
  /** How many downloads the queue holds at `revision`. */
  total: number
  settings: Settings
  /** Names the rest for `snapshotPart`; null when `downloads` is the whole queue. */
  cursor: string | null
}

/** The next downloads of a snapshot begun with `snapshotHead`. */
export type SnapshotPart = {
  downloads: DownloadSnapshot[]
  /** The same cursor while more follow; null with the last part. */
  cursor: string | null
}

export type UpdateResult = {
  updated: DownloadSnapshot[]
  rejected: { index: number; id: string; error: DownloadError }[]
}

/**
 * The engine's commands. Every client (CLI, Electron utility host, headless server, UI) talks
 * to the engine through exactly this surface; the RPC layer derives its wire format from it.
 * All methods resolve with plain data or reject with a `DownpourError` (`{ code, message }`).
 */
export type EngineApi = {
  add(requests: AddRequest[], options?: AddOptions): Promise<AddResult>
  pause(selection: Selection): Promise<{ affected: string[] }>
  resume(selection: Selection): Promise<{ affected: string[] }>
  /**
   * Replaces per-download options (checksum, headers, name while unnamed, limits, tries); each
   * change is checked like an add. Running downloads take the new values from their next request.
   */
  update(changes: DownloadUpdate[]): Promise<UpdateResult>
  /**
   * Retry failed downloads from where they stopped (the partial data is kept). They wait ahead
   * of every download already waiting: those behind the first waiting one move to just before it
   * (one `download/moved`), then one `download/changed` names them all.
   */
  retry(selection: Selection): Promise<{ affected: string[] }>
  /**
   * Starts queued or paused downloads at once, past the `maxConcurrentDownloads` limit (and the
   * per-server connection cap for their first connection); each keeps its queue place. Other
   * states are left alone; `affected` names those started.
   */
  startNow(selection: Selection): Promise<{ affected: string[] }>
  /** Remove from the queue. With `deleteFiles`, also delete partial data (never completed files). */
  remove(selection: Selection, options?: { deleteFiles?: boolean }): Promise<{ affected: string[] }>
  /**
   * Moves one download to a queue position (0 = first; past the end = last). The same as
   * `moveMany([id], { position })`, answered the same way.
   */
  move(id: string, position: number): Promise<MovedBlock>
  /**
   * Moves a block of downloads in one pass: the downloads in `ids` keep their relative queue
   * order (the order of `ids` does not matter) and land together just before or after another
   * download, or from a queue index (`{ position }`, past the end = last). Answers where the
   * block now stands (`ids` in queue order, the first at `position`) and emits one
   * `download/moved` with the same, unless nothing changed (then no event and no revision).
   * Refused with the reason, and nothing moved: unknown ids or target (`DP_ERR_NOT_FOUND`), an
   * empty list, an id listed twice, a target that is one of the moved downloads, or a position
   * that is not a whole number >= 0 (`DP_ERR_INVALID_ARGUMENT`).
   */
  moveMany(ids: string[], to: MoveTarget): Promise<MovedBlock>
  snapshot(): Promise<{ revision: number; downloads: DownloadSnapshot[]; settings: Settings }>
  /**
   * A snapshot in parts: the first `first` downloads in queue order with the revision and the
   * totals now, the rest through `snapshotPart`. The queue's order is fixed at `revision`; each
   * part describes its downloads as they are when it is read (newer than `revision`, never
   * older), and downloads removed meanwhile are left out, so a client that keeps the events
   * after `revision` and applies them once the last part is in ends exactly at the engine's
   * state (every event sets what it names: applying an older one before a newer one is safe).
   */
  snapshotHead(first: number): Promise<SnapshotHead>
  /**
   * The next at most `count` downloads of the snapshot `cursor` names, handed out in the order
   * the calls arrive (a port keeps order, so a client may ask for several ahead). The engine keeps a few
   * cursors (the oldest is dropped first): an unknown or dropped one is refused with
   * `DP_ERR_NOT_FOUND`, and the client starts again with `snapshotHead`.
   */
  snapshotPart(cursor: string, count: number): Promise<SnapshotPart>
  /**
   * Changes settings, applied at once and kept across restarts. Sizes and rates may be sent as
   * text (`'2M'`), durations too (`'30s'`); the answer is the stored form (bytes, ms).
   */
  updateSettings(patch: SettingsPatchInput): Promise<Settings>
  /**
   * Gives a paused or failed download a new URL (an expired link): a failed one is queued again, a
   * paused one stays paused until resumed. The new
   * URL is asked first (HEAD, or a 1-byte GET where HEAD is refused) and only accepted if it
   * serves the same file: the same size, and the same strong ETag where both have one. Then the
   * download continues from its durable bytes. Otherwise it rejects with the reason
   * (`DP_ERR_DIFFERENT_FILE`, `DP_ERR_INVALID_STATE`, `DP_ERR_BAD_URL`, an HTTP error…) and
   * nothing changes.
   */
  changeUrl(id: string, url: string): Promise<DownloadSnapshot>
  /**
   * Looks now whether the selected completed downloads' files are still in their folders (the
   * engine also looks at start-up, in the background). Each whose answer changed is announced
   * (`download/changed`, `fileMissing`); `missing` names those whose file is gone. Ids no longer
   * in the queue are passed over (a look, not a command).
   */
  checkFiles(selection: Selection): Promise<{ missing: string[] }>
  /**
   * Gives downloads that are not running (queued, paused, failed — a folder that went away,
   * `DP_ERR_FOLDER_GONE`, above all) another folder: `dir` must be an absolute path to a folder
   * that exists (else the whole call is refused, naming what is wrong). Each download is
   * accepted or refused with its reason (`DP_ERR_INVALID_STATE`: running, completed, or its
   * partial data is in a folder that is still there — it is never moved); a failed one waits
   * again. Journaled and durable before the answer; one `download/changed` for all.
   */
  changeFolder(ids: string[], dir: string): Promise<UpdateResult>
  /** One download's details: paths, validators, headers sent (secrets redacted), timeline. */
  details(id: string): Promise<DownloadDetails>
  /**
   * Starts sending this client `segments/beat` for download `id` (its connection map, on each
   * heartbeat while it runs) and answers with the map as it is now. Idempotent per client.
   */
  watchSegments(id: string): Promise<SegmentMap>
  /** Stops `segments/beat` for `id` to this client. Unknown or unwatched ids are ignored. */
  unwatchSegments(id: string): Promise<void>
  uiPreferences(): Promise<UiPreferences>
  /** Replaces the given top-level fields, keeps them across restarts, emits `ui/changed`. */
  updateUiPreferences(patch: Partial<UiPreferences>): Promise<UiPreferences>
}

export type EngineMethod = keyof EngineApi
