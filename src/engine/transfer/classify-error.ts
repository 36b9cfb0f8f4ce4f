import { DownpourError, ERROR_CODES } from '../../shared/protocol/errors.ts'
import { header, parseRetryAfter, type IncomingHttpHeaders } from './response-headers.ts'
import { dirname } from 'node:path'
import { diskError, isFileSystemError } from '../storage/disk-error.ts'

/** Statuses worth trying again: the server or a middlebox is busy, not saying "no". */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([408, 425, 429, 500, 502, 503, 504])

const TLS_ERRORS = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|ERR_SSL|HOSTNAME_MISMATCH/

/** Maps a failed HTTP status to a DownpourError, deciding retryability (never for 4xx but 408/425/429). */
export function errorForStatus(
  status: number,
  headers: IncomingHttpHeaders,
  url: string,
): DownpourError {
  const retryable =
    RETRYABLE_STATUSES.has(status) || (status >= 500 && status !== 501 && status !== 505)
  const retryAfterMs = parseRetryAfter(header(headers, 'retry-after'))
  return new DownpourError(
    retryable ? ERROR_CODES.httpRetryable : ERROR_CODES.httpStatus,
    `server answered ${status}${statusText(status)} for ${url}`,
    { retryable, retryAfterMs, status },
  )
}

/**
 * What the everyday socket errors mean, in words a person reads on a failed row ("Failed — the
 * server refused the connection"), the code kept after them for whoever searches for it.
 */
const SOCKET_WORDS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'the server refused the connection',
  ECONNRESET: 'the connection was reset',
  EPIPE: 'the connection was closed',
  EAI_AGAIN: 'the server name could not be looked up for now',
  EHOSTUNREACH: 'the server cannot be reached',
  ENETUNREACH: 'the network cannot be reached',
}

/**
 * Maps network, timeout and TLS errors from undici and Node to a DownpourError. A file-system
 * error that reaches here (a rename, a write) is reported as the disk error it is, never as a
 * network error: that would be retried by fetching bytes again, and tell the person the wrong
 * thing.
 */
export function classifyNetworkError(error: unknown): DownpourError {
  if (error instanceof DownpourError) return error
  const err = error as NodeJS.ErrnoException & { code?: string }
  if (isFileSystemError(error)) {
    const folder = err.path ? dirname(err.path) : 'the download folder'
    return diskError(error, `${err.syscall ?? 'file'} failed`, folder)
  }
  const code = err?.code ?? ''
  const detail = err?.message || String(error)
  if (code === 'UND_ERR_BODY_TIMEOUT') {
    return new DownpourError(ERROR_CODES.stalled, `no data received for too long (${detail})`, {
      retryable: true,
      cause: error,
    })
  }
  if (
    code === 'UND_ERR_HEADERS_TIMEOUT' ||
    code === 'UND_ERR_CONNECT_TIMEOUT' ||
    code === 'ETIMEDOUT'
  ) {
    return new DownpourError(ERROR_CODES.timeout, `timed out: ${detail}`, {
      retryable: true,
      cause: error,
    })
  }
  if (TLS_ERRORS.test(code)) {
    // Node's text ends with advice for Node ("try running Node.js with --use-system-ca"): a
    // flag of Node's, not of the program the person runs. The host says what to do instead.
    const reason = detail.replace(/;?\s*if the root CA is installed locally.*$/is, '')
    return new DownpourError(ERROR_CODES.network, `TLS verification failed: ${reason}`, {
      retryable: false,
      cause: error,
    })
  }
  // NXDOMAIN (getaddrinfo's EAI_NONAME): the name does not exist, so a retry only makes the
  // person wait (as aria2c, which exits 19 at once). EAI_AGAIN, a resolver that
  // did not answer, stays a retryable network error.
  if (code === 'ENOTFOUND') {
    const host = (err as { hostname?: string }).hostname
    return new DownpourError(
      ERROR_CODES.nameNotResolved,
      `the server name ${host ? `"${host}" ` : ''}was not found (ENOTFOUND)`,
      { retryable: false, cause: error },
    )
  }
  if (
    code === 'UND_ERR_INVALID_ARG' ||
    code === 'ERR_INVALID_URL' ||
    code === 'UND_ERR_NOT_SUPPORTED'
  ) {
    return new DownpourError(ERROR_CODES.badUrl, detail, { retryable: false, cause: error })
  }
  const words = SOCKET_WORDS[code]
  if (words !== undefined)
    return new DownpourError(ERROR_CODES.network, `${words} (${code})`, {
      retryable: true,
      cause: error,
    })
  const what = code ? `${code}: ${detail}` : detail
  return new DownpourError(ERROR_CODES.network, `network error (${what})`, {
    retryable: true,
    cause: error,
  })
}

function statusText(status: number): string {
  const texts: Record<number, string> = {
    400: ' Bad Request',
    401: ' Unauthorized',
    403: ' Forbidden',
    404: ' Not Found',
    408: ' Request Timeout',
    410: ' Gone',
    416: ' Range Not Satisfiable',
    425: ' Too Early',
    429: ' Too Many Requests',
    500: ' Internal Server Error',
    502: ' Bad Gateway',
    503: ' Service Unavailable',
    504: ' Gateway Timeout',
  }
  return texts[status] ?? ''
}
