import { DownpourError, ERROR_CODES } from '../../shared/protocol/errors.ts'
import { diskError } from './disk-error.ts'

/**
 * A failure to save the queue as a person reads it: `cannot save the queue: disk full (<folder>)`
 * for a full state folder (code DP_ERR_DISK_FULL: the downloads waiting on it pause), else the
 * operation and its cause.
 */
export function queueSaveError(error: unknown, dir: string): DownpourError {
  if (error instanceof DownpourError && error.message.startsWith('cannot save the queue'))
    return error
  const code = (error as NodeJS.ErrnoException | null)?.code
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new DownpourError(ERROR_CODES.diskFull, `cannot save the queue: disk full (${dir})`, {
      cause: error,
    })
  }
  const known = diskError(error, 'cannot save the queue', dir)
  const message = known.message.startsWith('cannot save the queue')
    ? known.message
    : `cannot save the queue: ${known.message}`
  return new DownpourError(known.code, message, { cause: error })
}
