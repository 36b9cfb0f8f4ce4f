import { statfsSync } from 'node:fs'
import { dirname } from 'node:path'
import { formatBytes } from '../../shared/format.ts'
import { DownpourError, ERROR_CODES } from '../../shared/protocol/errors.ts'

/**
 * Bytes a download may still write on the file system holding `dir`, or null when that cannot
 * be known (the check is then skipped: a full disk still pauses the download at ENOSPC).
 */
export type FreeSpace = (dir: string, fresh?: boolean) => Promise<number | null>

/**
 * statfs of `dir`, or of its nearest existing parent (a folder made when the first byte is
 * written): the blocks free to an unprivileged writer (`bavail`, not `bfree`: root's reserve
 * is not ours to fill). On this thread, as the other looks of a download's start (see lookAt):
 * the first download of a folder asks before its first request, and a thread-pool round trip
 * there waited for a turn of a loop busy adding the rest of a rerun's list (docs/benchmarks.md,
 * W5); statfs reads what the kernel keeps in memory.
 */
export const statfsFreeSpace: FreeSpace = async (dir) => {
  for (let at = dir; ; at = dirname(at)) {
    try {
      const stats = statfsSync(at)
      return Number(stats.bavail) * Number(stats.bsize)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if ((code !== 'ENOENT' && code !== 'ENOTDIR') || dirname(at) === at) return null
    }
  }
}

/**
 * `source` asked at most once per folder per `ttlMs`: 2,000 small files starting within a
 * second ask once, not 2,000 times (a statfs and a trip through the thread pool each, on the
 * way to every file's first byte). A figure up to a second old is as good as a fresh one to
 * let a download go on; one that would stop it is asked again with `fresh` (the person may
 * just have freed space and pressed Resume).
 */
export function memoFreeSpace(source: FreeSpace, ttlMs = 1000): FreeSpace {
  const asked = new Map<string, { at: number; free: Promise<number | null> }>()
  return (dir, fresh = false) => {
    const now = performance.now()
    const hit = asked.get(dir)
    if (hit && !fresh && now - hit.at < ttlMs) return hit.free
    if (asked.size > 1000) asked.clear()
    const free = source(dir)
    asked.set(dir, { at: now, free })
    return free
  }
}

/**
 * Whether the rest of a download of known `size` fits: `written` bytes of it are already in its
 * `.part`, so only the others need room. Null when it fits (or nothing can be said), else the
 * bytes it still needs.
 */
export function spaceShortfall(
  size: number | null,
  written: number,
  free: number | null,
): number | null {
  if (size === null || free === null) return null
  const needed = Math.max(0, size - written)
  return needed > free ? needed : null
}

/**
 * The refusal, in words a person reads in the row and the CLI prints (exit 9, as a full disk):
 * "needs 5.0 TiB, 72 GiB free on /path". DP_ERR_DISK_FULL, so the download pauses with its
 * bytes kept, as at ENOSPC; never retried by itself (waiting frees no space).
 */
export function notEnoughSpace(needed: number, free: number, dir: string): DownpourError {
  return new DownpourError(
    ERROR_CODES.diskFull,
    `Not enough space: needs ${formatBytes(needed)}, ${formatBytes(free)} free on ${dir} — free some space and resume`,
  )
}
