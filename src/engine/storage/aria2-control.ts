import { readFile } from 'node:fs/promises'
import { constants } from 'node:fs'
import { normalizeRanges, type ByteRange } from '../segments/byte-ranges.ts'

/** aria2's control file beside an unfinished download: `<file>.aria2`. */
export const ARIA2_SUFFIX = '.aria2'

/** What an aria2 control file says about its download: the total and the pieces it holds. */
export type Aria2Control = { totalLength: number; pieceLength: number; complete: ByteRange[] }

const READ_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0)

/**
 * Parses aria2's control file ("Control File (*.aria2) Format" in aria2's manual): version
 * (0 = host byte order, little-endian on the machines aria2 runs on; 1 = big-endian), extension
 * flags, info hash, piece length, total length, upload length, then the bitfield of complete
 * pieces (most significant bit first). Only whole pieces count: the blocks of pieces still in
 * flight are left out, so the result may under-report what is on disk, never over-report.
 * Returns the reason when the bytes are not such a file.
 */
export function parseAria2Control(bytes: Uint8Array): Aria2Control | { problem: string } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let at = 0
  const need = (n: number): boolean => at + n <= bytes.byteLength
  if (!need(2)) return { problem: 'too short' }
  const version = view.getUint16(0, false)
  if (version !== 0 && version !== 1) return { problem: `unknown version ${version}` }
  const little = version === 0
  at = 2
  const u32 = (): number => {
    const n = view.getUint32(at, little)
    at += 4
    return n
  }
  if (!need(8)) return { problem: 'too short' }
  u32() // extension flags
  const hashLength = u32()
  if (!need(hashLength)) return { problem: 'too short (info hash)' }
  at += hashLength
  if (!need(4 + 8 + 8 + 4)) return { problem: 'too short' }
  const pieceLength = u32()
  const total = view.getBigUint64(at, little)
  at += 16 // total length, upload length
  if (total > BigInt(Number.MAX_SAFE_INTEGER)) return { problem: 'total length too large' }
  const totalLength = Number(total)
  if (pieceLength === 0) return { problem: 'piece length 0' }
  const bitfieldLength = u32()
  const pieces = Math.ceil(totalLength / pieceLength)
  if (bitfieldLength !== Math.ceil(pieces / 8))
    return { problem: `bitfield of ${bitfieldLength} bytes for ${pieces} pieces` }
  if (!need(bitfieldLength)) return { problem: 'too short (bitfield)' }
  const complete: ByteRange[] = []
  for (let piece = 0; piece < pieces; piece++) {
    const byte = bytes[at + (piece >> 3)]!
    if ((byte & (0x80 >> (piece & 7))) === 0) continue
    const start = piece * pieceLength
    complete.push({ start, end: Math.min(totalLength, start + pieceLength) })
  }
  return { totalLength, pieceLength, complete: normalizeRanges(complete) }
}

/** Reads `<file>.aria2`: null when there is none, else what it says or why it cannot be read. */
export async function readAria2Control(
  filePath: string,
): Promise<Aria2Control | { problem: string } | null> {
  let bytes: Buffer
  try {
    // Not through a symbolic link: one planted there could make any file read as this record.
    bytes = await readFile(filePath + ARIA2_SUFFIX, { flag: READ_FLAGS })
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return null
    return { problem: (error as Error).message }
  }
  return parseAria2Control(bytes)
}
