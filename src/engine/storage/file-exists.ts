import { existsSync, lstatSync, type Stats } from 'node:fs'

/**
 * Whether something exists at `path` (any error, e.g. EACCES, counts as no).
 *
 * One `stat` on this thread, on purpose: every new download asks twice (claiming its name,
 * and right before the rename), and the asynchronous `access` costs a thread-pool round trip
 * plus a thrown ENOENT error each time, a real share of a many-small-files workload's CPU
 * (docs/benchmarks.md, "Figures behind the engine's comments"). A metadata lookup on a local
 * disk takes microseconds; on a hung network mount the thread pool would stall all file
 * operations anyway.
 */
export function fileExists(path: string): boolean {
  return existsSync(path)
}

/**
 * What is at `path` itself (lstat: a link is not followed), or null when nothing is; other
 * errors (EACCES, EIO) are thrown. One call on this thread for the reason above: every new
 * download looks at its final name before its first request and again after publishing, and
 * the asynchronous `lstat` of a free name cost a thread-pool round trip and a thrown ENOENT
 * each time.
 */
export function lookAt(path: string): Stats | null {
  return lstatSync(path, { throwIfNoEntry: false }) ?? null
}
