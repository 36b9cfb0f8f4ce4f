import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { addedText } from './added-text.ts'

const at = (y: number, m: number, d: number, h = 0, min = 0) =>
  new Date(y, m - 1, d, h, min).getTime()

describe('addedText', () => {
  it('says the time today, the day this year, the day and year before', () => {
    const now = at(2026, 12, 6, 9, 30)
    expect(addedText(at(2026, 12, 6, 0, 5), now)).toBe('00:05')
    expect(addedText(at(2026, 12, 6, 23, 59), now)).toBe('23:59')
    expect(addedText(at(2026, 12, 5, 23, 59), now)).toBe('5 Dec')
    expect(addedText(at(2026, 1, 1), now)).toBe('1 Jan')
    expect(addedText(at(2025, 12, 6, 9, 30), now)).toBe('6 Dec 2025')
  })

  it('property: one of the three forms, and never the time for another day', () => {
    const day = 24 * 3600 * 1000
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 4e12 }),
        fc.integer({ min: 0, max: 800 * day }),
        (then, ago) => {
          const text = addedText(then, then + ago)
          expect(text).toMatch(/^(\d\d:\d\d|\d{1,2} [A-Z][a-z]{2}( \d{4})?)$/)
          if (/:/.test(text))
            expect(new Date(then).toDateString()).toBe(new Date(then + ago).toDateString())
        },
      ),
    )
  })
})
