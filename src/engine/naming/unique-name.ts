import { join } from 'node:path'
import { PART_SUFFIX, CONTROL_SUFFIX } from '../storage/control-file.ts'
import { fileExists } from '../storage/file-exists.ts'

/**
 * `name`, or `name (1)`, `name (2)`, … — the first that is free in `dir`: no file of that name,
 * no `.part` of another download, and not reserved by a download of this engine.
 * `canAdopt` lets a download claim a `.part` it left behind in an earlier run.
 */
export async function pickUniqueName(
  dir: string,
  name: string,
  reserved: ReadonlySet<string>,
  canAdopt: (candidate: string) => Promise<boolean>,
): Promise<string> {
  for (let n = 0; n < 10_000; n++) {
    const candidate = withCounter(name, n)
    if (reserved.has(join(dir, candidate))) continue
    if (fileExists(join(dir, candidate))) continue
    const partTaken =
      fileExists(join(dir, candidate + PART_SUFFIX)) ||
      fileExists(join(dir, candidate + PART_SUFFIX + CONTROL_SUFFIX))
    if (partTaken && !(await canAdopt(candidate))) continue
    return candidate
  }
  throw new Error(`no free name for ${name} in ${dir}`)
}

/** `report.pdf` → `report (2).pdf`; `archive.tar.gz` → `archive (2).tar.gz`. */
export function withCounter(name: string, n: number): string {
  if (n === 0) return name
  const match = /^(.+?)((?:\.tar)?\.[A-Za-z0-9]{1,8})?$/s.exec(name)
  const stem = match?.[1] ?? name
  const ext = match?.[2] ?? ''
  return `${stem} (${n})${ext}`
}

/**
 * Claims `name` or the first free `name (n)` in `dir` for a new download, with no lock: the
 * final path is reserved in memory synchronously (before any await), and the `.part` file is
 * created with O_EXCL by `createPart`, so neither another download of this engine nor another
 * process can end up with the same name. `canAdopt` lets a download take over a `.part` it left
 * behind in an earlier run.
 */
export async function claimUniqueName(
  dir: string,
  name: string,
  reserved: Set<string>,
  createPart: (candidate: string) => Promise<'created' | 'exists'>,
  canAdopt: (candidate: string) => Promise<boolean>,
  /** `name` was just seen free (no file there): not looked at again. */
  nameSeenFree = false,
): Promise<{ name: string; adopted: boolean }> {
  for (let n = 0; n < 10_000; n++) {
    const candidate = withCounter(name, n)
    const full = join(dir, candidate)
    if (reserved.has(full)) continue
    reserved.add(full)
    try {
      // A file that appears after the look is found at publishing (link: EEXIST), never replaced.
      if ((n === 0 && nameSeenFree) || !fileExists(full)) {
        if ((await createPart(candidate)) === 'created') return { name: candidate, adopted: false }
        if (await canAdopt(candidate)) return { name: candidate, adopted: true }
      }
    } catch (error) {
      reserved.delete(full)
      throw error
    }
    reserved.delete(full)
  }
  throw new Error(`no free name for ${name} in ${dir}`)
}
