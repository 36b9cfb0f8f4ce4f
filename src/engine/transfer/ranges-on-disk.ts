import { subtractRange, type ByteRange } from '../segments/byte-ranges.ts'
import type { PartFile } from '../storage/part-file.ts'

/**
 * The recorded durable ranges that the part file still holds: none past its real length
 * (fstat). A `.part` cut short after the control file was written (by a person, a tool, a
 * file system that lost its tail) must not be trusted for bytes it no longer has, or the
 * download would complete with zeros where they were.
 */
export async function rangesOnDisk(
  part: PartFile,
  recorded: readonly ByteRange[],
): Promise<{ ranges: ByteRange[]; length: number }> {
  const length = await part.length()
  return { ranges: subtractRange(recorded, { start: length, end: Infinity }), length }
}
