import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { formatBytes, formatCount, formatDuration } from './format.ts'

describe('formatBytes', () => {
  it.each([
    [0, '0 B'],
    [1, '1 B'],
    [1023, '1023 B'],
    [1024, '1.0 KiB'],
    [1536, '1.5 KiB'],
    [10 * 1024, '10 KiB'],
    [1024 ** 2, '1.0 MiB'],
    [700 * 1024 ** 2, '700 MiB'],
    [4.7 * 1024 ** 3, '4.7 GiB'],
    [10683731149, '10 GiB'],
    [9.96 * 1024, '10 KiB'],
    [1024 ** 4, '1.0 TiB'],
    [1024 ** 5, '1024 TiB'],
  ])('%i → %j', (bytes, expected) => {
    expect(formatBytes(bytes)).toBe(expected)
  })

  it('property: a number under 1024 (or under 10 with one decimal) and a binary unit', () => {
    fc.assert(
      fc.property(fc.nat({ max: 1024 ** 4 - 1 }), (bytes) => {
        const match = /^(\d+(?:\.\d)?) (B|KiB|MiB|GiB|TiB)$/.exec(formatBytes(bytes))
        expect(match).not.toBeNull()
        const [, figure, unit] = match!
        if (unit === 'B') expect(Number(figure)).toBe(bytes)
        else {
          expect(Number(figure)).toBeLessThanOrEqual(1024)
          expect(figure!.includes('.')).toBe(Number(figure) < 10)
        }
      }),
    )
  })

  it('property: more bytes never print as a smaller amount', () => {
    const scale = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3, TiB: 1024 ** 4 } as const
    const value = (text: string) => {
      const [figure, unit] = text.split(' ') as [string, keyof typeof scale]
      return Number(figure) * scale[unit]
    }
    fc.assert(
      fc.property(fc.nat({ max: 2 ** 45 }), fc.nat({ max: 2 ** 45 }), (a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a]
        expect(value(formatBytes(hi))).toBeGreaterThanOrEqual(value(formatBytes(lo)))
      }),
    )
  })
})

describe('formatDuration', () => {
  it.each([
    [null, '--:--'],
    [Infinity, '--:--'],
    [Number.NaN, '--:--'],
    [0, '00:00'],
    [9, '00:09'],
    [59.4, '00:59'],
    [59.6, '01:00'],
    [61, '01:01'],
    [3599, '59:59'],
    [3600, '1:00:00'],
    [3661, '1:01:01'],
    [86_399, '23:59:59'],
    [360_000, '100:00:00'],
  ])('%s → %j', (seconds, expected) => {
    expect(formatDuration(seconds)).toBe(expected)
  })

  it('property: reads back as the rounded number of seconds', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1e7, noNaN: true }), (seconds) => {
        const text = formatDuration(seconds)
        const parts = text.split(':').map(Number)
        expect(parts.length === 2 || parts.length === 3).toBe(true)
        // Minutes and seconds fields are always two digits below 60.
        expect(text).toMatch(/^(\d+:)?[0-5]\d:[0-5]\d$/)
        const total = parts.reduce((sum, part) => sum * 60 + part, 0)
        expect(total).toBe(Math.round(seconds))
        expect(parts.length === 3).toBe(Math.round(seconds) >= 3600)
      }),
    )
  })
})

describe('formatCount', () => {
  it.each([
    [0, '0'],
    [999, '999'],
    [1000, '1,000'],
    [10000, '10,000'],
    [1234567, '1,234,567'],
    [-1234, '-1,234'],
  ])('%d → %s', (n, text) => expect(formatCount(n)).toBe(text))

  it('writes every safe integer as toLocaleString("en") does', () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), (n) => {
        expect(formatCount(n)).toBe(n.toLocaleString('en'))
      }),
    )
    // (-0 is written "0", where toLocaleString says "-0": counts are never negative zero.)
    fc.assert(
      fc.property(fc.integer(), (i) => {
        const n = i + 0
        expect(formatCount(n)).toBe(n.toLocaleString('en'))
      }),
    )
  })
})
