import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { formatBytes } from './format.ts'
import { parseSize } from './units.ts'

const UNITS = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 } as const

describe('parseSize', () => {
  it.each([
    ['0', 0],
    ['1048576', 1048576],
    ['512K', 512 * 1024],
    ['512k', 512 * 1024],
    ['1M', 1024 ** 2],
    ['1.5G', 1.5 * 1024 ** 3],
    ['20MiB', 20 * 1024 ** 2],
    ['20mb', 20 * 1024 ** 2],
    ['64 KiB', 64 * 1024],
    ['  7  ', 7],
    ['100B', 100],
    ['0.5K', 512],
    ['1T', 1024 ** 4],
    ['1.0001K', 1024],
  ])('%j → %i', (text, expected) => {
    expect(parseSize(text)).toBe(expected)
  })

  it.each([
    '',
    ' ',
    'K',
    '-1',
    '-1M',
    '1P',
    '1PB',
    '1.5.2M',
    '.5M',
    '1.M',
    'abc',
    '1 M B',
    '1e6',
    '0x10',
    '99999999999G',
  ])('rejects %j', (text) => {
    expect(parseSize(text)).toBeNull()
  })

  it('property: N<unit> is N times the binary unit', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 1_000_000 }),
        fc.constantFrom('', 'K', 'M', 'G'),
        fc.constantFrom('', 'i', 'iB', 'B'),
        fc.boolean(),
        (n, unit, suffix, lower) => {
          const text = `${n}${unit ? unit + suffix : suffix === 'B' ? 'B' : ''}`
          expect(parseSize(lower ? text.toLowerCase() : text)).toBe(n * UNITS[unit])
        },
      ),
    )
  })

  it('property: parseSize reads back what formatBytes prints, within its rounding', () => {
    fc.assert(
      fc.property(fc.nat({ max: 1024 ** 4 - 1 }), (bytes) => {
        const parsed = parseSize(formatBytes(bytes))
        expect(parsed).not.toBeNull()
        // One decimal below 10, none above: at most 5 % off (plus the final rounding to a byte).
        expect(Math.abs(parsed! - bytes)).toBeLessThanOrEqual(bytes * 0.05 + 0.5)
      }),
    )
  })

  it('property: never returns a fraction, a negative or an unsafe integer', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(...'0123456789.kKmMgGiIbB -'), maxLength: 30 }),
        (text) => {
          const parsed = parseSize(text)
          if (parsed !== null) {
            expect(Number.isSafeInteger(parsed)).toBe(true)
            expect(parsed).toBeGreaterThanOrEqual(0)
          }
        },
      ),
    )
  })
})
