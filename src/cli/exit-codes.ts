import { ARIA2_STATUS, aria2StatusFor } from '../shared/aria2-exit-status.ts'

/**
 * `downpour get` exit codes: aria2's numbers where aria2 has the cause (its manual's "Exit
 * status"), so a script written for aria2c reads them the same. Two are Downpour's own: 2 bad
 * usage (nothing was started; aria2 says 28 but uses 2 for a timeout, and 2 was Downpour's
 * usage code before these existed) and the signal codes 130/143 (128 + SIGINT/SIGTERM, what a
 * shell reports for a program the signal killed).
 */
export const EXIT = {
  ...ARIA2_STATUS,
  /** A failure of no cause listed here, or input lines that were rejected. */
  failed: ARIA2_STATUS.unknown,
  usage: 2,
  interrupted: 130,
  terminated: 143,
} as const

/** The lines `--help` ends with. */
export const EXIT_HELP = `Exit status (aria2c's numbers where it has the cause):
  0    every download completed
  1    a failure of another cause, or input lines were rejected
  2    bad usage (nothing started) or a download timed out
  3    resource not found (HTTP 404, 410)
  6    network problem (a refused connection is 1, as aria2c says)
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

/** aria2's exit code for why one download failed (the RPC's `errorCode` uses the same table). */
export const exitCodeFor = aria2StatusFor
