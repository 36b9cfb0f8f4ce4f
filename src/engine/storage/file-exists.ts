import { existsSync } from 'node:fs'

/**
 * Whether something exists at `path` (any error, e.g. EACCES, counts as no).
 *
 * One `stat` on this thread, on purpose: every new download asks twice (claiming its name,
 * and right before the rename), and the asynchronous `access` cost a thread-pool round trip
 * plus a thrown ENOENT error each time — 4,000 of them for 2,000 small files, ~10 % of that
 * workload's CPU. A metadata lookup on a local disk takes microseconds; on a hung network
 * mount the thread pool would stall all file operations anyway.
 */
export async function fileExists(path: string): Promise<boolean> {
  return existsSync(path)
}
