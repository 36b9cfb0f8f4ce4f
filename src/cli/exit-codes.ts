import { ARIA2_STATUS, aria2StatusFor } from '../shared/aria2-exit-status.ts'

/**
 * `downpour get` exit codes: aria2's numbers where aria2 has the cause (its manual's "Exit
 * status"), so a script written for aria2c reads them the same. Bad usage is aria2c's 28
 * (measured: `aria2c --bogus` and `aria2c -x abc URL` exit 28), not wget's and curl's 2: in
 * aria2's table, which every other code here follows, 2 is a timeout, and a script must be able
 * to tell "nothing was started" from "a download timed out". The signal codes 130/143 are the
 * shell's (128 + SIGINT/SIGTERM), aria2c has none.
 */
export const EXIT = {
  ...ARIA2_STATUS,
  /** A failure of no cause listed here, or input lines that were rejected. */
  failed: ARIA2_STATUS.unknown,
  /** Bad usage: nothing was started (aria2c's "could not parse the option"). */
  usage: 28,
  interrupted: 130,
  terminated: 143,
} as const

/** The lines `--help` ends with. */
export const EXIT_HELP = `Exit status (aria2c's numbers where it has the cause):
  0    every download completed
  1    a failure of another cause, or input lines were rejected
  2    a download timed out
  3    resource not found (HTTP 404, 410)
  6    network problem (a refused connection is 1, as aria2c says)
  9    not enough disk space
  13   the file already exists (with --auto-file-renaming=false)
  17   file I/O error (permission, read-only file system)
  19   name resolution failed (the host does not exist)
  22   the server's answer was bad or unexpected
  23   too many redirects
  24   HTTP authorization failed (401, 407)
  28   bad usage: an unknown option or a bad value (nothing was started)
  32   checksum mismatch
  130  interrupted by Ctrl-C (SIGINT); 143 by SIGTERM
  Several downloads failing for different causes: the code of the last one that failed.`

/** aria2's exit code for why one download failed (the RPC's `errorCode` uses the same table). */
export const exitCodeFor = aria2StatusFor

/** The environment variables `downpour get` reads, for the end of `--help`. */
export const ENVIRONMENT_HELP = `Environment:
  DOWNPOUR_STATE_DIR   where the resumable queue is kept (as --state-dir)
  XDG_STATE_HOME       the default queue folder's base (default: ~/.local/state)
  HTTP_PROXY, HTTPS_PROXY, NO_PROXY (and lower case)
                       the proxy, when --all-proxy is not given
  DOWNPOUR_DEBUG=1     a stack trace with an unexpected error
  NODE_DISABLE_COMPILE_CACHE=1
                       do not keep compiled sources between runs`
