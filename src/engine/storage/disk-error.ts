import { DownpourError, ERROR_CODES } from '../../shared/protocol/errors.ts'

/**
 * errno codes that only file systems produce. A disk error must never read as a network error:
 * the retry policy would fetch bytes again for a problem no download can fix.
 */
const DISK_ONLY_CODES = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EFBIG', 'EIO', 'EXDEV', 'EISDIR'])
/** Calls that only touch files (socket errors come from connect/read/write/getaddrinfo). */
const FILE_SYSCALLS = new Set([
  'open',
  'close',
  'fstat',
  'stat',
  'lstat',
  'fsync',
  'fdatasync',
  'ftruncate',
  'writev',
  'rename',
  'link',
  'unlink',
  'mkdir',
  'rmdir',
  'scandir',
  'copyfile',
])

/** Whether `error` came from the file system (an errno of a file call), not from the network. */
export function isFileSystemError(error: unknown): boolean {
  const { code, syscall } = (error ?? {}) as NodeJS.ErrnoException
  return (
    (typeof code === 'string' && DISK_ONLY_CODES.has(code)) ||
    (typeof syscall === 'string' && FILE_SYSCALLS.has(syscall))
  )
}

/**
 * A file-system failure as a person should read it, about the folder they chose: a full disk
 * says what to do ("free some space … and resume"; the engine pauses such a download), a
 * folder that may not be written says so, anything else names the operation and the cause.
 * `what` describes the operation ("cannot write /x/f.bin.part"); `folder` is the download's
 * folder. None of these is retryable: waiting does not free space or grant permissions.
 */
export function diskError(error: unknown, what: string, folder: string): DownpourError {
  if (error instanceof DownpourError) return error
  const code = (error as NodeJS.ErrnoException | null)?.code
  const options = { cause: error }
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new DownpourError(
      ERROR_CODES.diskFull,
      `Disk full — free some space on ${folder} and resume`,
      options,
    )
  }
  if (code === 'EACCES' || code === 'EPERM') {
    return new DownpourError(
      ERROR_CODES.diskPermission,
      `cannot write to ${folder}: permission denied`,
      options,
    )
  }
  if (code === 'EROFS') {
    return new DownpourError(
      ERROR_CODES.diskReadOnly,
      `cannot write to ${folder}: the file system is read-only`,
      options,
    )
  }
  const detail = error instanceof Error ? error.message : String(error)
  return new DownpourError(ERROR_CODES.disk, `${what}: ${detail}`, options)
}
