import { lstatSync, statSync } from 'node:fs'
import { parse, resolve, sep } from 'node:path'
import type { Stats } from 'node:fs'
import { diskError } from './disk-error.ts'
import { makeFolder } from './make-folder.ts'
import { unsafePath } from './safe-open.ts'

/** Write permission for the group or for everyone: other people can plant names there. */
const OTHERS_WRITE = 0o022

/**
 * Creates the download folder `dir` (and its missing parents) and refuses it when the path to
 * it goes through a symbolic link that someone else planted in a folder others can write to:
 * `/tmp/dl -> /home/victim/.ssh` made by another user before `-d /tmp/dl` was first used, or
 * `shared/sub -> /etc` where `shared` is a group folder. This is the rule of Linux's
 * `fs.protected_symlinks` (a link in a shared folder is followed only when its owner is the
 * follower or the folder's owner), applied to every component and to group-writable folders
 * too; a person's own links (`~/Downloads -> /mnt/disk`) are followed as always.
 *
 * Checked when the folder is first used by this engine: a link swapped in afterwards is not
 * seen here (Node has no openat to pin the folder), but the part and control files inside are
 * still never opened through links of their own (see openInFolder).
 */
export async function makeDownloadFolder(dir: string): Promise<void> {
  // Before mkdir too: a recursive mkdir through a planted link would already create folders
  // at its target. A folder already there needs no mkdir: its thread-pool round trip came
  // before the first request of every download a rerun resumed, and waited for a turn of a
  // loop busy adding the rest of the list (docs/benchmarks.md, W5).
  if (refusePlantedLinks(dir)) return
  try {
    await makeFolder(dir)
  } catch (error) {
    throw diskError(error, `cannot create the folder ${dir}`, dir)
  }
  refusePlantedLinks(dir)
}

/**
 * Walks `dir` from its root; stops quietly at the first component that does not exist yet.
 * Returns whether every component exists and `dir` (through its links) is a folder.
 * Synchronous: a dozen looks of microseconds each, once per folder per engine run. Awaited one
 * by one, each would wait for a turn of a loop busy with the queue's load, and a rerun's first
 * request with them (docs/benchmarks.md, "Figures behind the engine's comments").
 */
export function refusePlantedLinks(dir: string): boolean {
  const me = process.geteuid?.()
  // Windows: symbolic links need a privilege there, and uids do not apply.
  if (me === undefined) return false
  const absolute = resolve(dir)
  const { root } = parse(absolute)
  let folder: Stats = statSync(root)
  let path = root
  for (const name of absolute.slice(root.length).split(sep).filter(Boolean)) {
    path = path.endsWith(sep) ? path + name : path + sep + name
    let info: Stats | undefined
    try {
      info = lstatSync(path, { throwIfNoEntry: false })
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOTDIR') return false
      throw diskError(error, `cannot look at the folder ${path}`, dir)
    }
    if (!info) return false
    if (info.isSymbolicLink()) {
      const shared = (folder.mode & OTHERS_WRITE) !== 0
      if (shared && info.uid !== me && info.uid !== folder.uid)
        throw unsafePath(path, `is a symbolic link made by another user (uid ${info.uid})`)
      let target: Stats | undefined
      try {
        target = statSync(path, { throwIfNoEntry: false })
      } catch {
        return false // a dangling or looping link: mkdir or the open inside says what is wrong
      }
      if (!target) return false
      folder = target
    } else {
      folder = info
    }
  }
  return folder.isDirectory()
}
