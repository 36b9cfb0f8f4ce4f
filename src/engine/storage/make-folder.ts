import { mkdir, stat } from 'node:fs/promises'
import { dirname } from 'node:path'

/**
 * Creates `dir` and its missing parents. Recursive mkdir reports ENOENT for a failure below an
 * existing folder whatever the reason (a read-only file system, no permission, a full disk), so
 * on ENOENT the first missing folder is made alone: its mkdir's error says why (EROFS, EACCES,
 * ENOSPC…), and that is the error thrown.
 */
export async function makeFolder(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    throw (await firstRefusal(dir)) ?? error
  }
}

/** The error of making the first missing folder on the way to `dir` (null: none refused). */
async function firstRefusal(dir: string): Promise<unknown> {
  let missing = dir
  for (let parent = dirname(missing); parent !== missing; parent = dirname(missing)) {
    if (await exists(parent)) break
    missing = parent
  }
  try {
    await mkdir(missing)
    return null
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EEXIST' ? null : error
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path)
    return true
  } catch {
    return false
  }
}
