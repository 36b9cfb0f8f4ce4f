import { close, constants, fstatSync, ftruncate, lstat, open, type Stats } from 'node:fs'
import { dirname } from 'node:path'
import { promisify } from 'node:util'
import { DownpourError, ERROR_CODES } from '../../shared/protocol/errors.ts'

/**
 * How a file in the download folder is opened. Every mode refuses a symbolic link at the last
 * component (O_NOFOLLOW) and, once open, anything but a regular file with exactly one link:
 * whoever can write to a shared folder (`/srv/downloads`, `/tmp`) could otherwise plant
 * `big.bin.part -> ~/.bashrc`, or a hard link to a file they may not write themselves, and have
 * the engine write the download's bytes into it.
 *
 * - `read`: an existing file, read only (checksums); other hard links are allowed.
 * - `update`: an existing file, read and write, content kept (resuming a part).
 * - `create`: created if missing, else reused; emptied after the checks (a fresh part). Never
 *   O_TRUNC: that would empty a hard-linked victim before fstat could see the second link.
 * - `exclusive`: created, failing with the raw EEXIST if the name exists (claims a name; a
 *   dangling symlink counts as existing).
 */
export type SafeOpenMode = 'read' | 'update' | 'create' | 'exclusive'

const { O_RDONLY, O_RDWR, O_WRONLY, O_CREAT, O_EXCL } = constants
/** Undefined on Windows: there an lstat before the open stands in (a small window, no better). */
const O_NOFOLLOW = constants.O_NOFOLLOW ?? 0
/** A planted FIFO would block a write-only open forever; with it the open fails or returns. */
const O_NONBLOCK = constants.O_NONBLOCK ?? 0

const FLAGS: Record<SafeOpenMode, number> = {
  read: O_RDONLY | O_NOFOLLOW | O_NONBLOCK,
  update: O_RDWR | O_NOFOLLOW | O_NONBLOCK,
  create: O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK,
  exclusive: O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NONBLOCK,
}

/** An open descriptor and the identity of its file (from the fstat of the checks). */
export type OpenedFile = { fd: number; dev: number; ino: number }

/**
 * Opens `path` in `mode` and returns the descriptor, or throws: the raw errno error for a
 * missing file (ENOENT) or a taken name (EEXIST), DP_ERR_UNSAFE_PATH for a link or a special
 * file (the descriptor is closed first). The file's bytes are untouched until every check passed.
 */
export async function openInFolder(
  path: string,
  mode: SafeOpenMode,
  fileMode = 0o666,
): Promise<OpenedFile> {
  if (O_NOFOLLOW === 0) {
    const info = await lstatAsync(path).catch(() => null)
    if (info?.isSymbolicLink()) throw unsafePath(path, 'is a symbolic link')
  }
  let fd: number
  let info: Stats
  try {
    fd = await openAsync(path, FLAGS[mode], fileMode)
  } catch (error) {
    // Linux and macOS answer O_NOFOLLOW on a symlink with ELOOP, FreeBSD with EMLINK.
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ELOOP' || code === 'EMLINK') throw unsafePath(path, 'is a symbolic link', error)
    throw error
  }
  try {
    // On this thread: the inode of an open descriptor is in memory (no lookup, nothing to wait
    // for), and the thread pool's round trip cost more than the call, once per new file.
    info = fstatSync(fd)
    if (!info.isFile()) throw unsafePath(path, 'is not a regular file')
    // Checked when a part is opened, not later: publishing links the part to its final name
    // for a moment (two links, legitimately), and by then every descriptor was opened here.
    // Reading cannot harm another name's file (a hash of it just fails to match).
    if (mode !== 'read' && info.nlink > 1) throw unsafePath(path, 'has other hard links')
    if (mode === 'create' && info.size > 0) await ftruncateAsync(fd, 0)
  } catch (error) {
    await closeAsync(fd).catch(() => {})
    throw error
  }
  return { fd, dev: info.dev, ino: info.ino }
}

/** The refusal of `path` (in a download folder) for `reason`, as people and clients read it. */
export function unsafePath(path: string, reason: string, cause?: unknown): DownpourError {
  return new DownpourError(
    ERROR_CODES.unsafePath,
    `${path} ${reason}: refusing to use it (someone who can write to ${dirname(path)} may have put it there to make downloads write elsewhere); delete it and retry`,
    { cause },
  )
}

// The callback API, promisified (see PartFile: no FileHandle per small file).
const openAsync = promisify(open)
const closeAsync = promisify(close)
const ftruncateAsync = promisify(ftruncate)
const lstatAsync = promisify(lstat)
