import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { normalizeRanges } from '../segments/byte-ranges.ts'
import { parseAria2Control } from './aria2-control.ts'

/** An aria2 control file as aria2 writes it (its manual's "Control File (*.aria2) Format"). */
function encode(c: {
  version: 0 | 1
  hash: Uint8Array
  pieceLength: number
  totalLength: number
  bits: boolean[]
  trailing: Uint8Array
}): Buffer {
  const little = c.version === 0
  const bitfield = Buffer.alloc(Math.ceil(c.bits.length / 8))
  c.bits.forEach((on, i) => {
    if (on) bitfield[i >> 3]! |= 0x80 >> (i & 7)
  })
  const u32 = (n: number) => {
    const b = Buffer.alloc(4)
    if (little) b.writeUInt32LE(n)
    else b.writeUInt32BE(n)
    return b
  }
  const u64 = (n: number) => {
    const b = Buffer.alloc(8)
    if (little) b.writeBigUInt64LE(BigInt(n))
    else b.writeBigUInt64BE(BigInt(n))
    return b
  }
  return Buffer.concat([
    Buffer.from([0, c.version]),
    u32(0),
    u32(c.hash.length),
    c.hash,
    u32(c.pieceLength),
    u64(c.totalLength),
    u64(0),
    u32(bitfield.length),
    bitfield,
    c.trailing,
  ])
}

const controlArb = fc
  .record({
    version: fc.constantFrom(0 as const, 1 as const),
    hash: fc.uint8Array({ maxLength: 20 }),
    pieceLength: fc.integer({ min: 1, max: 1 << 20 }),
    totalLength: fc.integer({ min: 1, max: 2 ** 34 }),
    trailing: fc.uint8Array({ maxLength: 16 }),
  })
  .filter((c) => Math.ceil(c.totalLength / c.pieceLength) <= 4096)
  .chain((c) =>
    fc
      .array(fc.boolean(), {
        minLength: Math.ceil(c.totalLength / c.pieceLength),
        maxLength: Math.ceil(c.totalLength / c.pieceLength),
      })
      .map((bits) => ({ ...c, bits })),
  )

describe('parseAria2Control', () => {
  it('the complete pieces, as byte ranges within the total, whatever the byte order', () => {
    fc.assert(
      fc.property(controlArb, (c) => {
        const parsed = parseAria2Control(encode(c))
        const expected = normalizeRanges(
          c.bits.flatMap((on, i) =>
            on
              ? [
                  {
                    start: i * c.pieceLength,
                    end: Math.min(c.totalLength, (i + 1) * c.pieceLength),
                  },
                ]
              : [],
          ),
        )
        expect(parsed).toEqual({
          totalLength: c.totalLength,
          pieceLength: c.pieceLength,
          complete: expected,
        })
      }),
    )
  })

  it('any truncation of a control file is a problem, never ranges', () => {
    fc.assert(
      fc.property(controlArb, fc.nat(), (c, cut) => {
        const bytes = encode({ ...c, trailing: new Uint8Array() })
        const at = cut % bytes.length
        expect(parseAria2Control(bytes.subarray(0, at))).toHaveProperty('problem')
      }),
    )
  })
})
