import { link, open, readFile, rm, stat } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { DownpourError, ERROR_CODES } from '../../shared/protocol/errors.ts'
import { diskError } from './disk-error.ts'

export const LOCK_FILE = 'lock'
const TAKEOVER_FILE = 'lock.takeover'
/** A takeover mutex whose holder died is cleared after this long (it holds it for microseconds). */
const WRITING_GRACE_MS = 5000
/** Errors of `link` that mean "no hard links here" (see publish-file.ts): created in place then. */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS'])
let tempCounter = 0

/** State folders this process holds: its own pid in a lock it does not hold means a dead run. */
const heldHere = new Set<string>()

export type StateLock = { readonly path: string; release(): Promise<void> }

/**
 * Makes this process the only engine using `dir`: creates `dir/lock` holding the pid, already
 * written when the name appears (see tryCreate). A lock whose process is gone (kill -9, power
 * loss) is taken over, and so is one without a pid (empty or corrupt: no live creator leaves
 * one); one held by a live process is refused with DP_ERR_STATE_LOCKED naming the folder and
 * the pid. A folder where the lock cannot be written (full, read-only) is a disk error that
 * says so, and leaves nothing behind.
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

/**
 * Creates `path` holding this pid, or returns false when it exists. The pid is written to a temp
 * file first and the temp linked to `path` (link fails with EEXIST as O_EXCL does): the lock
 * never exists without its pid, so a lock that has none is not being written but left by a
 * crash of an older version, or damaged. A kill before the link leaves only the temp (named as
 * the queue store's temps are, which it deletes once it holds the folder); after it, a normal
 * lock.
 */
async function tryCreate(path: string): Promise<boolean> {
  const temp = join(dirname(path), `.${LOCK_FILE}.${process.pid}.${tempCounter++}.tmp`)
  try {
    await writeNew(temp)
  } catch (error) {
    await rm(temp, { force: true }).catch(() => {})
    throw lockError(error, path)
  }
  try {
    await link(temp, path)
    return true
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? ''
    if (code === 'EEXIST') return false
    // Another starter's engine cleared the temp as stale meanwhile: look at the lock again.
    if (code === 'ENOENT') return false
    if (!NO_HARD_LINKS.has(code)) throw lockError(error, path)
    return await createInPlace(path)
  } finally {
    await rm(temp, { force: true }).catch(() => {})
  }
}

/** Where there are no hard links: O_EXCL, then the pid (a crash between leaves it empty). */
async function createInPlace(path: string): Promise<boolean> {
  try {
    await writeNew(path)
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
    await rm(path, { force: true }).catch(() => {})
    throw lockError(error, path)
  }
}

async function writeNew(path: string): Promise<void> {
  const handle = await open(path, 'wx', 0o600)
  try {
    await handle.writeFile(`${process.pid}\n`)
  } finally {
    await handle.close()
  }
}

function lockError(error: unknown, path: string): DownpourError {
  const dir = dirname(path)
  const code = (error as NodeJS.ErrnoException | null)?.code
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new DownpourError(
      ERROR_CODES.diskFull,
      `cannot lock the state folder ${dir}: disk full (free some space there)`,
      { cause: error },
    )
  }
  return diskError(error, `cannot lock the state folder ${dir}`, dir)
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
  if (holder.pid === null) return false
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
