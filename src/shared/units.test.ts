import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseDuration, parseSize } from './units.ts'

describe('parseSize', () => {
  it.each([
    ['0', 0],
    ['1048576', 1048576],
    ['512K', 512 * 1024],
    ['2M', 2 * 1024 ** 2],
    ['2m', 2 * 1024 ** 2],
    ['1.5G', 1.5 * 1024 ** 3],
    ['20MiB', 20 * 1024 ** 2],
    ['64 KiB', 64 * 1024],
    ['1T', 1024 ** 4],
    [' 7 ', 7],
  ])('%j → %i', (text, bytes) => expect(parseSize(text)).toBe(bytes))

  it.each(['', 'M', '-1M', '2X', '1e3', '1,5M', 'two', '99999999999T'])('%j → null', (text) =>
    expect(parseSize(text)).toBeNull(),
  )

  it('property: n with a unit is n × the unit', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.constantFrom(['', 1], ['K', 1024], ['M', 1024 ** 2], ['G', 1024 ** 3]),
        (n, [unit, scale]) => {
          const bytes = n * (scale as number)
          expect(parseSize(`${n}${unit as string}`)).toBe(
            Number.isSafeInteger(bytes) ? bytes : null,
          )
        },
      ),
    )
  })
})

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['1.5s', 1500],
    ['2m', 120_000],
    ['1h', 3_600_000],
    [' 10 S ', 10_000],
  ])('%j → %i ms', (text, ms) => expect(parseDuration(text)).toBe(ms))

  it.each(['30', '', 's', '-1s', '1d', '1 sec', '1e3s'])(
    '%j → null (a bare number is ambiguous: seconds or ms?)',
    (text) => expect(parseDuration(text)).toBeNull(),
  )

  it('property: seconds and milliseconds agree', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000 }), (n) => {
        expect(parseDuration(`${n}s`)).toBe(parseDuration(`${n * 1000}ms`))
      }),
    )
  })
})
