import { statSync } from 'node:fs'
import { isAbsolute, resolve } from 'node:path'
import { DownpourError, ERROR_CODES } from '../../shared/protocol/errors.ts'
import { diskError } from './disk-error.ts'
import { refusePlantedLinks } from './safe-folder.ts'

/**
 * Checks a folder a person chose for downloads that already exist ("Choose another folder…",
 * aria2's `changeOption {dir}`), and returns it normalized (no `..`, no trailing separator).
 * Stricter than a folder named at add, which is made on first use: this one is picked to
 * replace a folder that went away, so it must be there now — a typo or an unmounted drive
 * should be said at once, not turn into a new folder on the root disk. Absolute only: the
 * engine's working folder means nothing to the client that sent the path. A symbolic link on
 * the way that another user planted in a shared folder is refused as for any download folder
 * (safe-folder.ts); the person's own links are followed.
 */
export function checkChosenFolder(dir: string): string {
  if (dir === '' || dir.includes('\0'))
    throw invalid(`the folder must be a path, not ${JSON.stringify(dir)}`)
  if (!isAbsolute(dir)) throw invalid(`the folder must be an absolute path: ${dir}`)
  const folder = resolve(dir)
  let info
  try {
    info = statSync(folder, { throwIfNoEntry: false })
  } catch (error) {
    throw diskError(error, `cannot look at the folder ${folder}`, folder)
  }
  if (info === undefined) throw invalid(`the folder ${folder} does not exist: choose one that does`)
  if (!info.isDirectory()) throw invalid(`${folder} is a file, not a folder`)
  refusePlantedLinks(folder)
  return folder
}

function invalid(message: string): DownpourError {
  return new DownpourError(ERROR_CODES.invalidArgument, message)
}
