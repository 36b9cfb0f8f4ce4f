import { readdir, rm, rmdir } from 'node:fs/promises'
import { join } from 'node:path'
import { acquireStateLock, LOCK_FILE } from '../engine/storage/state-lock.ts'

/**
 * Removes the queue folder of a run that ended with nothing left in its queue (every download
 * completed and removed), so a completed run leaves nothing behind (else a `queue-N.journal` in a
 * hashed folder per download folder would pile up, one per folder ever used). Only the default location:
 * a folder the person named (`--state-dir`, DOWNPOUR_STATE_DIR) may be shared with
 * `downpour serve`, whose token and settings live there, and is theirs to keep.
 *
 * Called after the engine closed. The folder's lock is taken again first: another run that
 * opened this slot meanwhile holds it, and its queue is left alone. Holding the lock, every file
 * but the lock goes, then the lock, then the folder. What a kill leaves at each step:
 * - before the lock is taken: the folder with an empty queue, which the next run into this
 *   download folder opens (nothing to resume) and removes when it completes;
 * - while files are deleted: a lock naming a dead pid (taken over by the next run) and some of
 *   an empty queue's files — still an empty queue;
 * - after the lock went, before the folder: an empty folder, used and removed the same way.
 * A run opening the slot between the lock's removal and the folder's finds its folder gone as it
 * locks it: openEngineInSlot makes it again (its mkdir and the lock are not one step).
 */
export async function removeEmptyStateDir(dir: string): Promise<void> {
  let lock: Awaited<ReturnType<typeof acquireStateLock>>
  try {
    lock = await acquireStateLock(dir)
  } catch {
    return // another run holds it now (or it cannot be locked): it stays, as it was
  }
  let rest = false
  try {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (entry.name === LOCK_FILE) continue
      // A folder inside is not the queue's: leave it, and so the state folder.
      if (!entry.isFile()) {
        rest = true
        continue
      }
      await rm(join(dir, entry.name), { force: true })
    }
  } finally {
    await lock.release()
  }
  if (!rest) await rmdir(dir).catch(() => {}) // ENOTEMPTY: another run is starting in it
}
