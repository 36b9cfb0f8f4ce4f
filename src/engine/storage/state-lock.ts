import { open, readFile, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { DownpourError, ERROR_CODES } from '../../shared/protocol/errors.ts'

export const LOCK_FILE = 'lock'
const TAKEOVER_FILE = 'lock.takeover'
/** A lock file with no pid yet is being written by its creator: alive for this long. */
const WRITING_GRACE_MS = 5000

/** State folders this process holds: its own pid in a lock it does not hold means a dead run. */
const heldHere = new Set<string>()

export type StateLock = { readonly path: string; release(): Promise<void> }

/**
 * Makes this process the only engine using `dir`: creates `dir/lock` with O_EXCL holding the
 * pid. A lock whose process is gone (kill -9, power loss) is taken over; one held by a live
 * process is refused with DP_ERR_STATE_LOCKED naming the folder and the pid.
 *
 * Taking over is serialized by a second O_EXCL file (`lock.takeover`), inside which the lock is
 * read again and deleted only if it still holds the dead pid: two starters that both saw the
 * stale lock cannot delete each other's new one. Outside that, a lock file is only ever created
 * (O_EXCL) or deleted by its holder.
 */
export async function acquireStateLock(dir: string): Promise<StateLock> {
  const path = join(dir, LOCK_FILE)
  for (let attempt = 0; attempt < 50; attempt++) {
    if (await tryCreate(path)) {
      heldHere.add(path)
      return { path, release: () => release(path) }
    }
    const holder = await readHolder(path)
    if (!holder) continue // released meanwhile
    if (isAlive(holder, path)) {
      throw new DownpourError(
        ERROR_CODES.stateLocked,
        `another Downpour${holder.pid !== null ? ` (pid ${holder.pid})` : ''} is using the state folder ${dir}`,
      )
    }
    await takeOver(dir, path, holder.text)
  }
  throw new DownpourError(ERROR_CODES.stateLocked, `cannot lock the state folder ${dir}`)
}

async function tryCreate(path: string): Promise<boolean> {
  let handle
  try {
    handle = await open(path, 'wx', 0o600)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw error
  }
  try {
    await handle.writeFile(`${process.pid}\n`)
  } finally {
    await handle.close()
  }
  return true
}

type Holder = { pid: number | null; text: string; ageMs: number }

async function readHolder(path: string): Promise<Holder | null> {
  try {
    const [text, info] = await Promise.all([readFile(path, 'utf8'), stat(path)])
    const pid = /^\d+\n$/.test(text) ? Number(text.trim()) : null
    return { pid, text, ageMs: Date.now() - info.mtimeMs }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw error
  }
}

function isAlive(holder: Holder, path: string): boolean {
  if (holder.pid === null) return holder.ageMs < WRITING_GRACE_MS
  if (holder.pid === process.pid) return heldHere.has(path)
  try {
    process.kill(holder.pid, 0)
    return true
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

async function takeOver(dir: string, path: string, staleText: string): Promise<void> {
  const mutex = join(dir, TAKEOVER_FILE)
  if (!(await tryCreate(mutex))) {
    const other = await readHolder(mutex)
    // Its holder died within the few microseconds it holds it: clear it (after a grace period).
    if (other && !isAlive(other, mutex) && other.ageMs > WRITING_GRACE_MS) {
      await rm(mutex, { force: true })
    } else {
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    return
  }
  try {
    const now = await readHolder(path)
    if (now && now.text === staleText) await rm(path, { force: true })
  } finally {
    await rm(mutex, { force: true })
  }
}

async function release(path: string): Promise<void> {
  if (!heldHere.delete(path)) return
  const holder = await readHolder(path).catch(() => null)
  if (holder?.pid === process.pid) await rm(path, { force: true })
}
