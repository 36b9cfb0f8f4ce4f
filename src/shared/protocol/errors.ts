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
  disk: 'DP_ERR_DISK',
  diskFull: 'DP_ERR_DISK_FULL',
  /** The engine is shutting down or the command was cancelled. */
  cancelled: 'DP_ERR_CANCELLED',
  /** A persisted file could not be read and was set aside. */
  corruptState: 'DP_ERR_CORRUPT_STATE',
  internal: 'DP_ERR_INTERNAL',
  /** Another live engine holds the state folder (its lock file names the process). */
  stateLocked: 'DP_ERR_STATE_LOCKED',
} as const

export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES]

/** The one error class that crosses the protocol: `{ code, message }` survive serialization. */
export class DownpourError extends Error {
  readonly code: ErrorCode
  /** Whether trying again (same request, later) can succeed. */
  readonly retryable: boolean
  /** Server-requested delay before the next try (Retry-After), ms. */
  readonly retryAfterMs: number | null

  constructor(
    code: ErrorCode,
    message: string,
    options: { retryable?: boolean; retryAfterMs?: number | null; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause })
    this.name = 'DownpourError'
    this.code = code
    this.retryable = options.retryable ?? false
    this.retryAfterMs = options.retryAfterMs ?? null
  }

  toJSON(): { code: ErrorCode; message: string } {
    return { code: this.code, message: this.message }
  }
}

export function isDownpourError(value: unknown): value is DownpourError {
  return value instanceof DownpourError
}
