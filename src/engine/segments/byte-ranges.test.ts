import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  addRange,
  coveredPrefix,
  missingRanges,
  normalizeRanges,
  totalBytes,
  type ByteRange,
} from './byte-ranges.ts'

const SIZE = 64

/** Any range inside [0, SIZE], including empty and reversed ones. */
const anyRange = fc.record({ start: fc.nat({ max: SIZE }), end: fc.nat({ max: SIZE }) })
const anyRanges = fc.array(anyRange, { maxLength: 12 })

function bitmap(ranges: readonly ByteRange[], size = SIZE): boolean[] {
  const bits = Array.from({ length: size }, () => false)
  for (const r of ranges)
    for (let i = Math.max(0, r.start); i < Math.min(size, r.end); i++) bits[i] = true
  return bits
}

function expectCanonical(set: readonly ByteRange[]): void {
  for (const r of set) expect(r.end).toBeGreaterThan(r.start)
  for (let i = 1; i < set.length; i++) {
    // Strictly after the previous range with a gap: sorted, disjoint and adjacent ones merged.
    expect(set[i]!.start).toBeGreaterThan(set[i - 1]!.end)
  }
}

describe('addRange / normalizeRanges', () => {
  it('merges overlapping and adjacent ranges', () => {
    expect(
      normalizeRanges([
        { start: 10, end: 20 },
        { start: 0, end: 5 },
        { start: 5, end: 10 },
      ]),
    ).toEqual([{ start: 0, end: 20 }])
    expect(
      addRange(
        [
          { start: 0, end: 5 },
          { start: 10, end: 15 },
        ],
        { start: 4, end: 11 },
      ),
    ).toEqual([{ start: 0, end: 15 }])
    expect(
      addRange(
        [
          { start: 0, end: 5 },
          { start: 10, end: 15 },
        ],
        { start: 6, end: 8 },
      ),
    ).toEqual([
      { start: 0, end: 5 },
      { start: 6, end: 8 },
      { start: 10, end: 15 },
    ])
  })

  it('ignores empty and reversed ranges without mutating the input', () => {
    const set = [{ start: 0, end: 5 }]
    expect(addRange(set, { start: 3, end: 3 })).toEqual([{ start: 0, end: 5 }])
    expect(addRange(set, { start: 9, end: 2 })).toEqual([{ start: 0, end: 5 }])
    expect(addRange(set, { start: 7, end: 9 })).not.toBe(set)
    expect(set).toEqual([{ start: 0, end: 5 }])
  })

  it('property: the result is canonical and covers exactly the union of the inputs', () => {
    fc.assert(
      fc.property(anyRanges, (ranges) => {
        const set = normalizeRanges(ranges)
        expectCanonical(set)
        expect(bitmap(set)).toEqual(bitmap(ranges))
      }),
    )
  })

  it('property: addRange to a canonical set equals normalizing everything', () => {
    fc.assert(
      fc.property(anyRanges, anyRange, (ranges, extra) => {
        const set = normalizeRanges(ranges)
        const added = addRange(set, extra)
        expectCanonical(added)
        expect(added).toEqual(normalizeRanges([...ranges, extra]))
        expect(bitmap(added)).toEqual(bitmap([...ranges, extra]))
      }),
    )
  })

  it('property: order of the inputs does not matter', () => {
    fc.assert(
      fc.property(
        anyRanges.chain((r) =>
          fc.tuple(fc.constant(r), fc.shuffledSubarray(r, { minLength: r.length })),
        ),
        ([a, b]) => {
          expect(normalizeRanges(b)).toEqual(normalizeRanges(a))
        },
      ),
    )
  })
})

describe('missingRanges', () => {
  it('returns the gaps of [0, size)', () => {
    expect(missingRanges([], 10)).toEqual([{ start: 0, end: 10 }])
    expect(missingRanges([{ start: 0, end: 10 }], 10)).toEqual([])
    expect(
      missingRanges(
        [
          { start: 2, end: 4 },
          { start: 6, end: 20 },
        ],
        10,
      ),
    ).toEqual([
      { start: 0, end: 2 },
      { start: 4, end: 6 },
    ])
    expect(missingRanges([{ start: 12, end: 20 }], 10)).toEqual([{ start: 0, end: 10 }])
    expect(missingRanges([], 0)).toEqual([])
  })

  it('property: missing ∪ set == [0, size) and the two are disjoint', () => {
    fc.assert(
      fc.property(anyRanges, fc.nat({ max: SIZE }), (ranges, size) => {
        const set = normalizeRanges(ranges)
        const missing = missingRanges(set, size)
        expectCanonical(missing)
        for (const r of missing) {
          expect(r.start).toBeGreaterThanOrEqual(0)
          expect(r.end).toBeLessThanOrEqual(size)
        }
        const have = bitmap(set, size)
        const gaps = bitmap(missing, size)
        for (let i = 0; i < size; i++) expect(have[i] !== gaps[i]).toBe(true)
        // Nothing is missing beyond the file's end.
        expect(totalBytes(missing)).toBe(have.filter((b) => !b).length)
      }),
    )
  })
})

describe('totalBytes / coveredPrefix', () => {
  it('examples', () => {
    expect(totalBytes([])).toBe(0)
    expect(
      totalBytes([
        { start: 0, end: 5 },
        { start: 10, end: 12 },
      ]),
    ).toBe(7)
    expect(coveredPrefix([])).toBe(0)
    expect(coveredPrefix([{ start: 1, end: 5 }])).toBe(0)
    expect(
      coveredPrefix([
        { start: 0, end: 5 },
        { start: 6, end: 9 },
      ]),
    ).toBe(5)
  })

  it('property: totalBytes counts the covered bytes, complementing missingRanges', () => {
    fc.assert(
      fc.property(anyRanges, (ranges) => {
        const set = normalizeRanges(ranges)
        expect(totalBytes(set)).toBe(bitmap(ranges).filter(Boolean).length)
        expect(totalBytes(set) + totalBytes(missingRanges(set, SIZE))).toBe(SIZE)
      }),
    )
  })

  it('property: coveredPrefix is the length of the leading run of covered bytes', () => {
    fc.assert(
      fc.property(anyRanges, (ranges) => {
        const bits = bitmap(ranges)
        const firstGap = bits.indexOf(false)
        const expected = firstGap === -1 ? SIZE : firstGap
        expect(coveredPrefix(normalizeRanges(ranges))).toBe(expected)
      }),
    )
  })
})
