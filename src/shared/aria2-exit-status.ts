import { ERROR_CODES } from './protocol/errors.ts'
import type { DownloadError } from './protocol/model.ts'

/**
 * aria2's numbers for why a download failed: its manual's "Exit status", which aria2c exits with
 * and its RPC reports as a download's `errorCode`. One table for both of Downpour's faces, the
 * CLI's exit status and the aria2 RPC's `errorCode`, so a script or a front-end written for
 * aria2c reads them the same.
 */
export const ARIA2_STATUS = {
  ok: 0,
  /** A failure of no cause listed here ("unknown error"). */
  unknown: 1,
  timeout: 2,
  notFound: 3,
  network: 6,
  diskFull: 9,
  /** A file was at the name and renaming was off (`--auto-file-renaming=false`). */
  fileExists: 13,
  fileIo: 17,
  nameNotResolved: 19,
  badResponse: 22,
  tooManyRedirects: 23,
  authorization: 24,
  /** The user removed it (the RPC's `errorCode` of a removed download). */
  removed: 31,
  checksum: 32,
} as const

/** aria2's number for why one download failed. */
export function aria2StatusFor(error: DownloadError | null): number {
  if (!error) return ARIA2_STATUS.unknown
  switch (error.code) {
    case ERROR_CODES.timeout:
    case ERROR_CODES.stalled:
      return ARIA2_STATUS.timeout
    case ERROR_CODES.nameNotResolved:
      return ARIA2_STATUS.nameNotResolved
    case ERROR_CODES.network:
      // aria2c reports a refused connection as an unknown error (1), not a network problem
      // (measured: `aria2c http://127.0.0.1:1/x` exits 1, its RPC says errorCode "1").
      return /\(ECONNREFUSED\)$/.test(error.message) ? ARIA2_STATUS.unknown : ARIA2_STATUS.network
    case ERROR_CODES.diskFull:
      return ARIA2_STATUS.diskFull
    case ERROR_CODES.fileExists:
      return ARIA2_STATUS.fileExists
    case ERROR_CODES.disk:
    case ERROR_CODES.diskPermission:
    case ERROR_CODES.diskReadOnly:
    case ERROR_CODES.folderGone:
      return ARIA2_STATUS.fileIo
    case ERROR_CODES.badResponse:
      return ARIA2_STATUS.badResponse
    case ERROR_CODES.tooManyRedirects:
    case ERROR_CODES.redirectLoop:
      return ARIA2_STATUS.tooManyRedirects
    case ERROR_CODES.checksumMismatch:
      return ARIA2_STATUS.checksum
    case ERROR_CODES.httpStatus:
    case ERROR_CODES.httpRetryable: {
      // The status is only in the message ("server answered 404 Not Found for …").
      const status = Number(/server answered (\d{3})\b/.exec(error.message)?.[1])
      if (status === 404 || status === 410) return ARIA2_STATUS.notFound
      if (status === 401 || status === 407) return ARIA2_STATUS.authorization
      return ARIA2_STATUS.unknown
    }
    default:
      return ARIA2_STATUS.unknown
  }
}
