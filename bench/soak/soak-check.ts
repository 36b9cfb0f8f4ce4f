// What a finished soak round must leave: every file with the server's bytes, nothing else in
// the download folder, nothing beside it.
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { lstat, readdir } from 'node:fs/promises'
import { join } from 'node:path'

export type FolderProblems = {
  /** Files whose sha256 differs from the server's (or that are not regular files). */
  wrong: string[]
  missing: string[]
  /** `name (1).bin` and the like: a second copy of a download. */
  copies: string[]
  /** `.part`, `.part.downpour` and `*.tmp` files left behind. */
  leftovers: string[]
  /** Any other name in the download folder, and anything beside it in the round's folder. */
  unexpected: string[]
}

/** What the leftovers look like, to tell known failure modes apart in a round's line. */
export type LeftoverKinds = {
  /** A `.part` that is the same inode as its final name: killed between `link` and `unlink`. */
  halfPublished: number
  /** An empty `.part` whose download was saved under another name: an unclaimed orphan. */
  emptyOrphans: number
}

const COPY_RE = / \(\d+\)(\.[^.]*)?$/
const LEFTOVER_RE = /\.part$|\.part\.downpour$|\.tmp$/

/**
 * Checks `dir` (the `-d` folder) against `expected` (name → sha256), and that `root` (the
 * folder holding `dir`) holds nothing but `allowedInRoot`: the CLI runs with `root` as its
 * working directory, so a file written beside the download folder lands there.
 */
export async function checkFolder(
  dir: string,
  expected: ReadonlyMap<string, string>,
  root: string,
  allowedInRoot: readonly string[],
): Promise<FolderProblems> {
  const problems: FolderProblems = {
    wrong: [],
    missing: [],
    copies: [],
    leftovers: [],
    unexpected: [],
  }
  const names = new Set(await readdir(dir))
  for (const [name, sha] of expected) {
    if (!names.has(name)) {
      problems.missing.push(name)
      continue
    }
    const path = join(dir, name)
    const info = await lstat(path)
    if (!info.isFile() || (await sha256File(path)) !== sha) problems.wrong.push(name)
  }
  for (const name of names) {
    if (expected.has(name)) continue
    if (LEFTOVER_RE.test(name)) problems.leftovers.push(name)
    else if (COPY_RE.test(name)) problems.copies.push(name)
    else problems.unexpected.push(name)
  }
  for (const name of await readdir(root)) {
    if (!allowedInRoot.includes(name)) problems.unexpected.push(join(root, name))
  }
  return problems
}

/** Sorts the `.part` leftovers of `dir` into the known kinds (see LeftoverKinds). */
export async function leftoverKinds(
  dir: string,
  leftovers: readonly string[],
): Promise<LeftoverKinds> {
  const kinds: LeftoverKinds = { halfPublished: 0, emptyOrphans: 0 }
  for (const name of leftovers) {
    if (!name.endsWith('.part')) continue
    const part = await lstat(join(dir, name)).catch(() => null)
    const final = await lstat(join(dir, name.slice(0, -'.part'.length))).catch(() => null)
    if (part && final && part.ino === final.ino && part.dev === final.dev) kinds.halfPublished++
    else if (part && part.size === 0) kinds.emptyOrphans++
  }
  return kinds
}

/** Number of problems of every kind. */
export function countProblems(problems: FolderProblems): number {
  return Object.values(problems).reduce((sum, list: string[]) => sum + list.length, 0)
}

function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256')
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')))
  })
}
