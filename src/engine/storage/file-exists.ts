import { existsSync } from 'node:fs'

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
export async function fileExists(path: string): Promise<boolean> {
  return existsSync(path)
}
