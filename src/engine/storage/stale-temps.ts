import { readdir, rm } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'

/** `writeFileAtomic`'s temp files: `.<name>.<pid>.<random hex>.tmp` (older: `.<n>.tmp`). */
const TEMP_RE = /^\..+\.(\d+)\.[0-9a-f]+\.tmp$/

/**
 * Deletes the temp files that a crash inside `writeFileAtomic` left in `dirs` (beside control
 * files). Only those of dead processes: another engine may be writing into the same folder.
 */
export async function removeStaleTemps(dirs: string[]): Promise<string[]> {
  const removed: string[] = []
  for (const dir of dirs) {
    let names: string[]
    try {
      names = await readdir(dir)
    } catch {
      continue
    }
    for (const name of names) {
      const pid = TEMP_RE.exec(name)?.[1]
      if (pid === undefined || Number(pid) === process.pid || isAlive(Number(pid))) continue
      await rm(join(dir, name), { force: true })
      removed.push(join(dir, name))
    }
  }
  return removed
}

/**
 * Deletes the temps that dead processes' `writeFileAtomic` of `path` left beside it (a kill
 * between the temp's create and its rename), and no other file: for a file in a folder of the
 * person's (a `--save-session` file), where a name that merely looks like a temp is theirs.
 */
export async function removeStaleTempsOf(path: string): Promise<string[]> {
  const dir = dirname(path)
  const base = basename(path)
  const ours = new RegExp(`^\\.${escapeRegExp(base)}\\.(\\d+)\\.[0-9a-f]+\\.tmp$`)
  let names: string[]
  try {
    names = await readdir(dir)
  } catch {
    return []
  }
  const removed: string[] = []
  for (const name of names) {
    const pid = ours.exec(name)?.[1]
    if (pid === undefined || Number(pid) === process.pid || isAlive(Number(pid))) continue
    await rm(join(dir, name), { force: true })
    removed.push(join(dir, name))
  }
  return removed
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
