import { createHash } from 'node:crypto'
import { mkdir, stat } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'

/** One resumable queue per destination folder, outside it (the folder stays clean). */
export function defaultStateDir(dir: string): string {
  const base = process.env.XDG_STATE_HOME || join(homedir(), '.local', 'state')
  return join(base, 'downpour', 'cli', createHash('sha256').update(dir).digest('hex').slice(0, 16))
}

/**
 * Makes sure the state folder exists and is a folder, before an engine opens its queue there;
 * the reason it cannot be used, or null.
 */
export async function stateDirProblem(path: string): Promise<string | null> {
  try {
    await mkdir(path, { recursive: true })
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EEXIST' || code === 'ENOTDIR') return 'a file is in the way (it must be a folder)'
    if (code === 'EACCES' || code === 'EPERM') return 'permission denied'
    if (code === 'EROFS') return 'read-only file system'
    return (error as Error).message
  }
  try {
    if (!(await stat(path)).isDirectory()) return 'it is a file, not a folder'
  } catch (error) {
    return (error as Error).message
  }
  return null
}
