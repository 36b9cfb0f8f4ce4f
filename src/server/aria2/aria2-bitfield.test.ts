import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { aria2Bitfield } from './aria2-status.ts'

const MiB = 1024 * 1024

/** The bit of `piece` in a hex bitfield (piece 0 is the first byte's highest bit). */
function bit(hex: string, piece: number): boolean {
  const byte = parseInt(hex.slice((piece >> 3) * 2, (piece >> 3) * 2 + 2), 16)
  return (byte & (0x80 >> (piece & 7))) !== 0
}

/** Sorted, disjoint, non-empty [start, end) ranges within `size`. */
const rangesWithin = (size: number) =>
  fc.uniqueArray(fc.integer({ min: 0, max: size }), { maxLength: 12 }).map((cuts) => {
    // Consecutive cut points as ranges, every other one left out: disjoint, some touching.
    const points = [...cuts].sort((a, b) => a - b)
    const ranges: [number, number][] = []
    for (let i = 0; i + 1 < points.length; i++) {
      if (i % 3 !== 2) ranges.push([points[i]!, points[i + 1]!])
    }
    return ranges
  })

describe('aria2Bitfield', () => {
  it('writes aria2’s hex for a whole file: high bit first, spare bits zero', () => {
    expect(aria2Bitfield(4_000_000, [[0, 4_000_000]])).toBe('f0')
    expect(aria2Bitfield(300_000, [[0, 300_000]])).toBe('80')
    expect(aria2Bitfield(9 * MiB, [[0, 9 * MiB]])).toBe('ff80')
    expect(aria2Bitfield(9 * MiB, [])).toBe('0000')
  })

  it('sets a piece’s bit exactly when every byte of the piece is in', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 40 * MiB })
          .chain((size) => fc.tuple(fc.constant(size), rangesWithin(size))),
        ([size, ranges]) => {
          const hex = aria2Bitfield(size, ranges)
          const pieces = Math.ceil(size / MiB)
          expect(hex).toHaveLength(Math.ceil(pieces / 8) * 2)
          for (let piece = 0; piece < Math.ceil(hex.length * 4); piece++) {
            const start = piece * MiB
            const end = Math.min(size, start + MiB)
            let inside = 0
            for (const [from, to] of ranges)
              inside += Math.max(0, Math.min(to, end) - Math.max(from, start))
            const covered = piece < pieces && inside === end - start
            expect(bit(hex, piece)).toBe(covered)
          }
        },
      ),
    )
  })
})
