import { statSync } from 'node:fs'
import { DownpourError, ERROR_CODES } from '../../shared/protocol/errors.ts'
import { diskError } from './disk-error.ts'
import { makeDownloadFolder } from './safe-folder.ts'

/**
 * The download folders, made on first use (a new folder named at add is made, as wget -P and
 * aria2c -d do) — but a folder that was there and went away is not made again: a
 * deleted or renamed folder, or a drive unmounted from under its mount point, would otherwise be
 * brought back silently, on another disk in the last case, and the person would never learn
 * why their files are not where they look. "Was there" is known for a folder this engine has
 * made or used since it started, and for a download with bytes saved in it (a queue reopened).
 * A download that never wrote there, in a queue reopened after its folder went away, cannot be
 * told from a first use: its folder is made.
 */
export class DownloadFolders {
  /** Folders made or found in place by this engine (a failed attempt is forgotten). */
  #seen = new Map<string, Promise<void>>()

  /** Resolves once `dir` can be used; `hadBytes`: the download saved bytes there before. */
  async ensure(dir: string, hadBytes: boolean): Promise<void> {
    const seen = this.#seen.get(dir)
    if (seen) {
      await seen
      if (!isThere(dir)) throw folderGone(dir)
      return
    }
    if (hadBytes && !isThere(dir)) throw folderGone(dir)
    const made = makeDownloadFolder(dir).catch((error: unknown) => {
      this.#seen.delete(dir)
      throw diskError(error, `cannot create the folder ${dir}`, dir)
    })
    this.#seen.set(dir, made)
    await made
  }
}

/** The folder (or what a link in its place leads to) exists. */
function isThere(dir: string): boolean {
  return statSync(dir, { throwIfNoEntry: false }) !== undefined
}

/** Not retryable: waiting does not bring a folder back; restoring it (then retry) or another folder does. */
export function folderGone(dir: string): DownpourError {
  return new DownpourError(
    ERROR_CODES.folderGone,
    `the folder ${dir} is gone (deleted, renamed, or its drive unmounted); it is not made again: restore it and retry, or download into another folder`,
  )
}
