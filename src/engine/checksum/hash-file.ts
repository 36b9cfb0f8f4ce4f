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

/** Parses `sha-256=HEX` (also `sha256`, `SHA-1`, `md5`) as used by the CLI and input files. */
export function parseChecksumSpec(
  spec: string,
): { algorithm: ChecksumAlgorithm; hex: string } | null {
  const match = /^\s*(sha-?256|sha-?1|md5)\s*=\s*([0-9a-fA-F]+)\s*$/i.exec(spec)
  if (!match) return null
  const name = match[1]!.toLowerCase().replace('-', '')
  const algorithm: ChecksumAlgorithm =
    name === 'sha256' ? 'sha-256' : name === 'sha1' ? 'sha-1' : 'md5'
  const hex = match[2]!.toLowerCase()
  const expectedLength = { 'sha-256': 64, 'sha-1': 40, md5: 32 }[algorithm]
  return hex.length === expectedLength ? { algorithm, hex } : null
}
