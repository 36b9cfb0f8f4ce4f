import type { DownloadError, DownloadSnapshot } from './model.ts'

/** How much a line of a download's log matters (its history, the engine's `log` event). */
export type LogLevel = 'info' | 'warn' | 'error'

/** One connection of a running download: the range it owns and how far it got. */
export type ConnectionRange = {
  /** First byte of its range. */
  start: number
  /** Next byte it will receive (`start <= pos <= end`). */
  pos: number
  /** End of its range (exclusive); a split lowers it while the connection runs. */
  end: number
  /** The host it fetches from, for a download with mirrors (absent otherwise). */
  source?: string
}

/** What one source (the download's URL or a mirror) brought in this run. */
export type SourceShare = {
  /** Its URL without password. */
  url: string
  host: string
  /** Bytes its connections received in this run, the open ones' included. */
  bytes: number
  connections: number
  /** Why the download stopped using it, or null while it does. */
  dropped: string | null
}

/**
 * The connection map of one download (the details panel's bar): which bytes are in, and where
 * each connection is. Sent only to clients that watch this download (`watchSegments`).
 */
export type SegmentMap = {
  id: string
  /** Total size, null while unknown (then `finished` is empty and the bar is indeterminate). */
  size: number | null
  /** Bytes received, as sorted disjoint `[start, end)` pairs (compact on the wire). */
  finished: [number, number][]
  /** Open connections (none unless the download is running). */
  connections: ConnectionRange[]
  /** A running download with mirrors: each source's share, its URL first (absent otherwise). */
  sources?: SourceShare[]
}

/** What one timeline entry is about, so a UI can give each its icon and filter them. */
export type HistoryKind =
  | 'added'
  /** A try began: its number, and from which byte. */
  | 'attempt'
  /** A try failed and another follows (status code and reason in `status` / `error`). */
  | 'retry'
  /** The bytes so far were thrown away and the file starts from zero, with why. */
  | 'restart'
  /** The checksum was checked: matched, or not (then `error`). */
  | 'checksum'
  | 'failed'
  | 'completed'
  | 'paused'
  | 'resumed'
  | 'url-changed'
  | 'info'

/** One line of a download's timeline. Never carries secrets (URLs are redacted). */
export type HistoryEntry = {
  at: number
  level: LogLevel
  kind: HistoryKind
  message: string
  /** The HTTP status behind a retry or a failure, when there was one. */
  status?: number
  error?: DownloadError
}

/** Everything the details panel shows about one download (`details(id)`). */
export type DownloadDetails = {
  /** The same snapshot a row has: URL, final URL after redirects, resumable, state, error… */
  download: DownloadSnapshot
  /** Where the file is (or will be) once complete. */
  path: string
  /** The partial file while one exists on disk, else null. */
  partPath: string | null
  /** Validators the resume is checked against (strong ETag, Last-Modified), once known. */
  etag: string | null
  lastModified: string | null
  /**
   * The request headers this download sends (engine-wide ones, its own, User-Agent…), names in
   * lower case. Secrets are never shown: Authorization, Proxy-Authorization, Cookie and
   * anything named like a token or key read `[redacted]`, as does a Basic Authorization made
   * from the URL's user info.
   */
  requestHeaders: Record<string, string>
  /** The timeline, oldest first (at most the last 200 entries). */
  history: HistoryEntry[]
  /** Older entries dropped to keep the memory bounded. */
  historyDropped: number
}
