import { ERROR_CODES } from '../shared/protocol/errors.ts'
import type { DownloadError } from '../shared/protocol/model.ts'

/**
 * `downpour get` exit codes: aria2's numbers where aria2 has the cause (its manual's "Exit
 * status"), so a script written for aria2c reads them the same. Two are Downpour's own: 2 bad
 * usage (nothing was started; aria2 says 28 but uses 2 for a timeout, and 2 was Downpour's
 * usage code before these existed) and the signal codes 130/143 (128 + SIGINT/SIGTERM, what a
 * shell reports for a program the signal killed).
 */
export const EXIT = {
  ok: 0,
  /** A failure of no cause listed here, or input lines that were rejected. */
  failed: 1,
  usage: 2,
  timeout: 2,
  notFound: 3,
  network: 6,
  diskFull: 9,
  fileExists: 13,
  fileIo: 17,
  nameNotResolved: 19,
  badResponse: 22,
  tooManyRedirects: 23,
  authorization: 24,
  checksum: 32,
  interrupted: 130,
  terminated: 143,
} as const

/** The lines `--help` ends with. */
export const EXIT_HELP = `Exit status (aria2c's numbers where it has the cause):
  0    every download completed
  1    a failure of another cause, or input lines were rejected
  2    bad usage (nothing started) or a download timed out
  3    resource not found (HTTP 404, 410)
  6    network problem
  9    not enough disk space
  13   the file already exists (with --auto-file-renaming=false)
  17   file I/O error (permission, read-only file system)
  19   name resolution failed (the host does not exist)
  22   the server's answer was bad or unexpected
  23   too many redirects
  24   HTTP authorization failed (401, 407)
  32   checksum mismatch
  130  interrupted by Ctrl-C (SIGINT); 143 by SIGTERM
  Several downloads failing for different causes: the code of the last one that failed.`

/** aria2's exit code for why one download failed. */
export function exitCodeFor(error: DownloadError | null): number {
  if (!error) return EXIT.failed
  switch (error.code) {
    case ERROR_CODES.timeout:
    case ERROR_CODES.stalled:
      return EXIT.timeout
    case ERROR_CODES.nameNotResolved:
      return EXIT.nameNotResolved
    case ERROR_CODES.network:
      return EXIT.network
    case ERROR_CODES.diskFull:
      return EXIT.diskFull
    case ERROR_CODES.fileExists:
      return EXIT.fileExists
    case ERROR_CODES.disk:
    case ERROR_CODES.diskPermission:
    case ERROR_CODES.diskReadOnly:
      return EXIT.fileIo
    case ERROR_CODES.badResponse:
      return EXIT.badResponse
    case ERROR_CODES.tooManyRedirects:
    case ERROR_CODES.redirectLoop:
      return EXIT.tooManyRedirects
    case ERROR_CODES.checksumMismatch:
      return EXIT.checksum
    case ERROR_CODES.httpStatus:
    case ERROR_CODES.httpRetryable: {
      // The status is only in the message ("server answered 404 Not Found for …").
      const status = Number(/server answered (\d{3})\b/.exec(error.message)?.[1])
      if (status === 404 || status === 410) return EXIT.notFound
      if (status === 401 || status === 407) return EXIT.authorization
      return EXIT.failed
    }
    default:
      return EXIT.failed
  }
}
