import type { Checksum, ChecksumAlgorithm } from '../protocol/model.ts'

const DIGEST_LENGTH: Record<ChecksumAlgorithm, number> = { 'sha-256': 64, 'sha-1': 40, md5: 32 }

/**
 * Parses `sha-256=HEX` (also `sha256`, `SHA-1`, `md5`), as the CLI's `--checksum` and a list's
 * `checksum=` line write it. Null unless the algorithm is known and the digest has exactly its
 * length in hex digits.
 */
export function parseChecksumSpec(spec: string): Checksum | null {
  const match = /^\s*(sha-?256|sha-?1|md5)\s*=\s*([0-9a-fA-F]+)\s*$/i.exec(spec)
  if (!match) return null
  const name = match[1]!.toLowerCase().replace('-', '')
  const algorithm: ChecksumAlgorithm =
    name === 'sha256' ? 'sha-256' : name === 'sha1' ? 'sha-1' : 'md5'
  const hex = match[2]!.toLowerCase()
  return hex.length === DIGEST_LENGTH[algorithm] ? { algorithm, hex } : null
}

/** Why a checksum spec was refused, for messages. */
export function checksumSpecProblem(spec: string): string {
  const match = /^\s*(sha-?256|sha-?1|md5)\s*=\s*(.*?)\s*$/i.exec(spec)
  if (!match) return `must be ALGO=HEX with ALGO sha-256, sha-1 or md5, got "${spec}"`
  const name = match[1]!.toLowerCase().replace('-', '')
  const algorithm: ChecksumAlgorithm =
    name === 'sha256' ? 'sha-256' : name === 'sha1' ? 'sha-1' : 'md5'
  const digits = match[2]!
  if (!/^[0-9a-fA-F]*$/.test(digits)) return `${algorithm} digest must be hex digits`
  return `${algorithm} digest must be ${DIGEST_LENGTH[algorithm]} hex digits, got ${digits.length}`
}
