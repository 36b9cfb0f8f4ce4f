import { link, rename, unlink } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { promisify } from 'node:util'
import { fileExists, lookAt } from './file-exists.ts'

/**
 * Waits between tries of a failed rename or delete of a finished file. Transient failures are
 * real: on Windows a virus scanner or indexer holds a just-written file for a moment (EBUSY,
 * EPERM). A lasting one (a read-only or full folder) is reported after these, ~1.5 s in all.
 */
const RETRY_WAITS_MS = [100, 400, 1000]

/**
 * Errors of `link` that mean "this file system has no hard links" (FAT/exFAT give EPERM, some
 * network and FUSE file systems ENOTSUP/ENOSYS): only then is a plain rename used.
 */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS'])

/**
 * Gives a finished part file its final name without ever replacing a file: `link(part, final)`
 * fails with EEXIST where `rename` would silently overwrite a file that appeared since anyone
 * looked (a check then a rename leaves that window open), then `unlink(part)` drops the old
 * name. Where the file system has no hard links, the fallback is a check and a rename: the
 * window is back (a few microseconds), which is the best such a file system allows.
 *
 * Returns 'exists' when `finalPath` is taken (the caller picks another name), 'placed' once the
 * file is there. Failures are tried again a few times, then thrown (the part file is untouched
 * by a failed attempt). `leftover` is told when the file is placed but its `.part` name could
 * not be removed (the data is complete under the final name; the extra name is harmless).
 */
export async function placeFinishedFile(
  partPath: string,
  finalPath: string,
  leftover: (error: Error) => void,
): Promise<'placed' | 'exists'> {
  const linked = await withRetries(async () => {
    try {
      await linkAsync(partPath, finalPath)
      return 'linked' as const
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? ''
      if (code === 'EEXIST') return 'exists' as const
      if (!NO_HARD_LINKS.has(code)) throw error
      if (fileExists(finalPath)) return 'exists' as const
      await renameAsync(partPath, finalPath)
      return 'renamed' as const
    }
  })
  if (linked === 'exists') return 'exists'
  if (linked === 'linked') {
    await withRetries(() => unlinkAsync(partPath)).catch((error: Error) => leftover(error))
  }
  return 'placed'
}

/**
 * Ends a publish that a crash cut between its `link` and its `unlink` (placeFinishedFile): the
 * `.part` and the final name are then one file, complete and verified (the link is made only
 * after that). Drops the `.part` name and returns the file's size; null when `partPath` is not
 * the same file as `finalPath` (either missing, or two files). Such a `.part` must never be
 * opened for writing: truncating it would empty the published file.
 */
export async function finishPublishing(
  partPath: string,
  finalPath: string,
): Promise<number | null> {
  // On this thread (see lookAt): every resumed download asks, before its first request, and
  // two thread-pool round trips there each waited for a turn of a loop busy adding the rest of
  // a rerun's list (docs/benchmarks.md, W5).
  const part = lookAt(partPath)
  const final = part ? lookAt(finalPath) : null
  if (!part || !final || !part.isFile() || part.ino !== final.ino || part.dev !== final.dev)
    return null
  await withRetries(() => unlinkAsync(partPath)).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error
  })
  return final.size
}

/** Runs `work`, trying again after each of RETRY_WAITS_MS when it throws. */
export async function withRetries<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await work()
    } catch (error) {
      const wait = RETRY_WAITS_MS[attempt]
      if (wait === undefined) throw error
      await sleep(wait)
    }
  }
}

// The callback API, promisified (fs/promises adds a layer of promises to every small call).
const linkAsync = promisify(link)
const renameAsync = promisify(rename)
const unlinkAsync = promisify(unlink)
