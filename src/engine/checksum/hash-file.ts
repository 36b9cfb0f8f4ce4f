import { createHash } from 'node:crypto'
import { close, read } from 'node:fs'
import { promisify } from 'node:util'
import type { ChecksumAlgorithm } from '../../shared/protocol/model.ts'
import { openInFolder } from '../storage/safe-open.ts'

const NODE_ALGORITHM: Record<ChecksumAlgorithm, string> = {
  'sha-256': 'sha256',
  'sha-1': 'sha1',
  md5: 'md5',
}
const READ_BYTES = 1024 * 1024

/** Hex digest of a file, read in 1 MiB blocks; `onProgress` gets bytes hashed so far. */
export async function hashFile(
  path: string,
  algorithm: ChecksumAlgorithm,
  options: { onProgress?: (bytes: number) => void; signal?: AbortSignal } = {},
): Promise<string> {
  const hash = createHash(NODE_ALGORITHM[algorithm])
  // Not through a symlink: one planted at the name would have another file's bytes verified.
  const { fd } = await openInFolder(path, 'read')
  try {
    const buffer = Buffer.allocUnsafe(READ_BYTES)
    let total = 0
    for (;;) {
      options.signal?.throwIfAborted()
      const { bytesRead } = await readAsync(fd, buffer, 0, READ_BYTES, null)
      if (bytesRead === 0) break
      hash.update(buffer.subarray(0, bytesRead))
      total += bytesRead
      options.onProgress?.(total)
    }
  } finally {
    await closeAsync(fd)
  }
  return hash.digest('hex')
}

const readAsync = promisify(read)
const closeAsync = promisify(close)

/** Kept here for the engine's callers; the parser lives with the list parser in src/shared. */
export { parseChecksumSpec } from '../../shared/list/checksum-spec.ts'
