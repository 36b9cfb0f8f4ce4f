import { createHash } from 'node:crypto'
import { open } from 'node:fs/promises'
import type { ChecksumAlgorithm } from '../../shared/protocol/model.ts'

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
  const handle = await open(path, 'r')
  try {
    const buffer = Buffer.allocUnsafe(READ_BYTES)
    let total = 0
    for (;;) {
      options.signal?.throwIfAborted()
      const { bytesRead } = await handle.read(buffer, 0, READ_BYTES, null)
      if (bytesRead === 0) break
      hash.update(buffer.subarray(0, bytesRead))
      total += bytesRead
      options.onProgress?.(total)
    }
  } finally {
    await handle.close()
  }
  return hash.digest('hex')
}

/** Kept here for the engine's callers; the parser lives with the list parser in src/shared. */
export { parseChecksumSpec } from '../../shared/list/checksum-spec.ts'
