/**
 * The download model shared by the engine and every client (CLI, Electron renderer, browser UI).
 * Pure data: everything here crosses process boundaries as structured-clone/JSON.
 */

/** Lifecycle of a download. `retrying` carries `nextRetryAt`; `failed` carries `error`. */
export type DownloadState =
  | 'queued'
  | 'probing'
  | 'downloading'
  | 'paused'
  | 'retrying'
  | 'verifying'
  | 'completed'
  | 'failed'
  | 'removed'

export const DOWNLOAD_STATES: readonly DownloadState[] = [
  'queued',
  'probing',
  'downloading',
  'paused',
  'retrying',
  'verifying',
  'completed',
  'failed',
  'removed',
]

/** States in which the scheduler owns a running transfer. */
export const ACTIVE_STATES: ReadonlySet<DownloadState> = new Set([
  'probing',
  'downloading',
  'verifying',
])

/** States a download can no longer leave without a user action (retry/resume). */
export const FINISHED_STATES: ReadonlySet<DownloadState> = new Set([
  'completed',
  'failed',
  'removed',
])

export type ChecksumAlgorithm = 'sha-256' | 'sha-1' | 'md5'

export type Checksum = { algorithm: ChecksumAlgorithm; hex: string }

/** A stable, machine-readable failure. `code` never changes meaning; `message` is for people. */
export type DownloadError = { code: string; message: string }

/**
 * What to do when the download's file name is already taken by a file in its folder (aria2's
 * `--auto-file-renaming`, `--allow-overwrite`, `--continue`):
 * - `rename`: save beside it as `name (1)` and say so (the default);
 * - `done-if-same-size`: a regular file of exactly the server's size (and the checksum, when
 *   one is given) is the download, complete: nothing is fetched; any other file: `rename`;
 * - `continue`: as `done-if-same-size`, and a shorter file (wget's partial download, or
 *   aria2's with its `.aria2` control file) is continued with a Range request;
 * - `overwrite`: download again and replace it;
 * - `fail`: fail the download, naming the file.
 */
export type IfExists = 'rename' | 'done-if-same-size' | 'continue' | 'overwrite' | 'fail'

export const IF_EXISTS: readonly IfExists[] = [
  'rename',
  'done-if-same-size',
  'continue',
  'overwrite',
  'fail',
]

/** What a client asks for when it adds a download. Everything but the URL is optional. */
export type AddRequest = {
  url: string
  /** Destination folder; defaults to the engine's `defaultDir` setting. */
  dir?: string
  /** File name to use instead of the one the server suggests. A bare name, never a path. */
  name?: string
  checksum?: Checksum
  /** Extra request headers for this download (e.g. Cookie, Referer). Never logged. */
  headers?: Record<string, string>
  /** Overrides the engine's `maxTries` for this download (0 = unlimited). */
  maxTries?: number
  /** Overrides the engine's `maxConnectionsPerDownload` for this download. */
  maxConnections?: number
  /** Per-download speed limit in bytes/s (0 = none). */
  speedLimit?: number
  /** Start paused instead of queued. */
  paused?: boolean
  /** When a file already has the download's name (default `rename`). */
  ifExists?: IfExists
  /** When the queue already holds this URL for this folder and name (default `skip`). */
  onDuplicate?: OnDuplicate
  /**
   * "Download again" of this finished download (its id; with `onDuplicate: 'again'`): the new
   * one is sent what that one was — its headers and URL password, which no snapshot carries.
   */
  againOf?: string
  /**
   * Other URLs of the same file (aria2's mirrors): connections spread over them once each is
   * checked to serve the same file (size, validators). http/https only, at most `MAX_MIRRORS`;
   * one equal to `url` or to an earlier mirror is dropped.
   */
  mirrors?: string[]
}

/** How many mirrors one download may list besides its URL (aria2's `-s` defaults to 5). */
export const MAX_MIRRORS = 15

/**
 * What `add` does with a URL the queue already holds (the same duplicate key):
 * - `skip`: refuse it, naming the download there (`existingId`): a rerun or a second drop of
 *   the same list adds nothing twice (the window's and the CLI's default);
 * - `again`: a new download beside it, as aria2's `addUri` does, unless the one there is still
 *   to be finished (queued, running, paused): two downloads would race for the same file. The
 *   new one never overwrites the old one's file: its name is taken, so it gets `name (1)`.
 */
export type OnDuplicate = 'skip' | 'again'

export const ON_DUPLICATE: readonly OnDuplicate[] = ['skip', 'again']

/**
 * New per-download options for an existing download (a rerun of the same URL, an edit in the
 * window). Fields left out keep their value; `null` clears an option. The bytes already durable
 * are kept: none of these changes which file is downloaded.
 */
export type DownloadUpdate = {
  id: string
  /** Only while the download has no file name on disk yet (the same name is always accepted). */
  name?: string
  checksum?: Checksum | null
  /** Replaces the download's own headers as a whole. */
  headers?: Record<string, string>
  maxTries?: number | null
  maxConnections?: number | null
  speedLimit?: number
  ifExists?: IfExists
  /** Replaces the download's mirrors as a whole (checked as `AddRequest.mirrors`). */
  mirrors?: string[]
}

/** Everything a UI needs to draw one row. Progress fields also arrive in `progress/beat`. */
export type DownloadSnapshot = {
  id: string
  /** The URL as added, with any userinfo password removed. */
  url: string
  /** Where the last redirect chain ended (without userinfo), once known. */
  finalUrl: string | null
  dir: string
  /** The final file name (unique in `dir`), once known; until then the name guessed from the URL. */
  name: string
  state: DownloadState
  /** Total size in bytes, or null while unknown (chunked responses). */
  size: number | null
  /** Bytes durable or in flight to disk. */
  done: number
  /** Smoothed bytes per second (0 unless downloading). */
  speed: number
  /** Seconds to completion, or null when unknown. */
  eta: number | null
  /** Attempts made so far (1 after the first try). */
  tries: number
  maxTries: number
  /** Epoch ms of the next attempt while `retrying`. */
  nextRetryAt: number | null
  /** Why it failed (state `failed`) or why the last attempt failed (state `retrying`). */
  error: DownloadError | null
  /** Whether the server supports ranges, so pausing keeps partial data usable. Null = not yet known. */
  resumable: boolean | null
  /** Open connections for this download right now. */
  connections: number
  /**
   * While it runs: epoch ms (the engine's clock) of the last heartbeat that saw its bytes grow,
   * or when it started if none has yet, so a client can say how long a running download has
   * moved no data ("Stalled — no data for 12 s"). Absent when it is not running.
   */
  lastByteAt?: number
  checksum: Checksum | null
  speedLimit: number
  maxConnections: number | null
  createdAt: number
  completedAt: number | null
  /**
   * A completed download whose file is no longer in its folder (deleted or moved since), as
   * last looked (at start-up, and on `checkFiles`). Absent otherwise.
   */
  fileMissing?: true
  /** Its mirrors (AddRequest.mirrors) without passwords; absent when it has none. */
  mirrors?: string[]
}

/** Engine-wide settings. Every field has a default; clients send partial updates. */
export type Settings = {
  defaultDir: string
  maxConcurrentDownloads: number
  maxConnectionsPerHost: number
  maxConnectionsPerDownload: number
  /** No segment smaller than this many bytes is split off. */
  minSplitSize: number
  /** Attempts per download, 0 = unlimited. */
  maxTries: number
  /** Base of the exponential backoff, ms. */
  retryWaitMs: number
  /** Connect and idle (between body chunks) timeout, ms. */
  timeoutMs: number
  /** A connection slower than this (bytes/s) for `timeoutMs` counts as stalled. 0 = off. */
  lowestSpeedLimit: number
  /** Global download limit, bytes/s, 0 = none. */
  maxOverallDownloadLimit: number
  userAgent: string
  /** Proxy for every request (http://, https://). Null = HTTP(S)_PROXY/NO_PROXY from the environment. */
  proxy: string | null
  /** Extra headers sent with every request. */
  headers: Record<string, string>
  /**
   * Desktop app: "Accept downloads from browser extensions (aria2 RPC)" — aria2's JSON-RPC on
   * 127.0.0.1:16800. Other hosts ignore it (`downpour serve` has `--no-rpc`).
   */
  aria2RpcEnabled: boolean
  /** Desktop app: the secret extensions send, generated once by the host ('' until then). */
  aria2RpcSecret: string
}
