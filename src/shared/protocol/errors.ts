/**
 * Stable error codes. Clients branch on `code`; the message is for people and may change.
 * Keep this list append-only: codes are stored in persisted queues and read by older UIs.
 */
export const ERROR_CODES = {
  /** A command's arguments did not match the protocol. */
  invalidArgument: 'DP_ERR_INVALID_ARGUMENT',
  badUrl: 'DP_ERR_BAD_URL',
  unsupportedScheme: 'DP_ERR_UNSUPPORTED_SCHEME',
  duplicate: 'DP_ERR_DUPLICATE',
  notFound: 'DP_ERR_NOT_FOUND',
  /** The server answered with a status that will not get better by retrying (most 4xx). */
  httpStatus: 'DP_ERR_HTTP_STATUS',
  /** A status worth retrying (5xx, 408, 425, 429). */
  httpRetryable: 'DP_ERR_HTTP_RETRYABLE',
  network: 'DP_ERR_NETWORK',
  timeout: 'DP_ERR_TIMEOUT',
  stalled: 'DP_ERR_STALLED',
  tooManyRedirects: 'DP_ERR_TOO_MANY_REDIRECTS',
  redirectLoop: 'DP_ERR_REDIRECT_LOOP',
  insecureRedirect: 'DP_ERR_INSECURE_REDIRECT',
  /** The server sent bytes other than the ones asked for (wrong Content-Range, short body). */
  badResponse: 'DP_ERR_BAD_RESPONSE',
  checksumMismatch: 'DP_ERR_CHECKSUM_MISMATCH',
  /** A file-system error not covered below (the message says which). */
  disk: 'DP_ERR_DISK',
  /** No space left (or quota reached) in the download's folder: the download is paused, data kept. */
  diskFull: 'DP_ERR_DISK_FULL',
  /** The engine is shutting down or the command was cancelled. */
  cancelled: 'DP_ERR_CANCELLED',
  /** A persisted file could not be read and was set aside. */
  corruptState: 'DP_ERR_CORRUPT_STATE',
  internal: 'DP_ERR_INTERNAL',
  /** The download's folder (or file) may not be written by this user (EACCES/EPERM). */
  diskPermission: 'DP_ERR_DISK_PERMISSION',
  /** The download's folder is on a read-only file system (EROFS). */
  diskReadOnly: 'DP_ERR_DISK_READ_ONLY',
  /** The command does not apply to the download in its current state (e.g. change a running URL). */
  invalidState: 'DP_ERR_INVALID_STATE',
  /** A replacement URL serves another file (size or validator differs). */
  differentFile: 'DP_ERR_DIFFERENT_FILE',
  /** The server cannot send a part of the file, so bytes already downloaded would be lost. */
  notResumable: 'DP_ERR_NOT_RESUMABLE',
  /** Another live engine holds the state folder (its lock file names the process). */
  stateLocked: 'DP_ERR_STATE_LOCKED',
  /**
   * A path in the download folder is a symbolic link, a hard link to another file or not a
   * regular file (planted by someone who can write there): writing through it could reach a
   * file outside the folder, so it is refused. The message names the path and why.
   */
  unsafePath: 'DP_ERR_UNSAFE_PATH',
  /** The host name does not exist (DNS NXDOMAIN): trying again cannot make it exist. */
  nameNotResolved: 'DP_ERR_NAME_NOT_RESOLVED',
  /** A file already has the download's name and the download may not replace or rename it. */
  fileExists: 'DP_ERR_FILE_EXISTS',
  /**
   * The download's folder was there and is gone (deleted, renamed, a drive unmounted): it is not
   * made again behind the person's back. Restore it and retry, or choose another folder.
   */
  folderGone: 'DP_ERR_FOLDER_GONE',
} as const

export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES]

/** The one error class that crosses the protocol: `{ code, message }` survive serialization. */
export class DownpourError extends Error {
  readonly code: ErrorCode
  /** Whether trying again (same request, later) can succeed. */
  readonly retryable: boolean
  /** Server-requested delay before the next try (Retry-After), ms. */
  readonly retryAfterMs: number | null
  /** The HTTP status behind the error, when a server answered with one (for the timeline). */
  readonly status: number | null

  constructor(
    code: ErrorCode,
    message: string,
    options: {
      retryable?: boolean
      retryAfterMs?: number | null
      status?: number | null
      cause?: unknown
    } = {},
  ) {
    super(message, { cause: options.cause })
    this.name = 'DownpourError'
    this.code = code
    this.retryable = options.retryable ?? false
    this.retryAfterMs = options.retryAfterMs ?? null
    this.status = options.status ?? null
  }

  toJSON(): { code: ErrorCode; message: string } {
    return { code: this.code, message: this.message }
  }
}

export function isDownpourError(value: unknown): value is DownpourError {
  return value instanceof DownpourError
}
