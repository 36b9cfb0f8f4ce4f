import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  header,
  parseContentLength,
  parseContentRange,
  parseRetryAfter,
  parseUnsatisfiedRangeTotal,
  strongEtag,
} from './response-headers.ts'

describe('header', () => {
  it('returns the first value of a repeated header, null when absent', () => {
    expect(header({ etag: '"a"' }, 'etag')).toBe('"a"')
    expect(header({ 'set-cookie': ['a=1', 'b=2'] }, 'set-cookie')).toBe('a=1')
    expect(header({ 'set-cookie': [] }, 'set-cookie')).toBeNull()
    expect(header({}, 'etag')).toBeNull()
  })
})

describe('parseContentRange', () => {
  it.each([
    ['bytes 0-99/1000', { start: 0, end: 100, total: 1000 }],
    ['bytes 900-999/1000', { start: 900, end: 1000, total: 1000 }],
    ['BYTES  5-5/6 ', { start: 5, end: 6, total: 6 }],
    ['bytes 0-99/*', { start: 0, end: 100, total: null }],
  ])('%j → %j', (value, expected) => {
    expect(parseContentRange(value)).toEqual(expected)
  })

  it.each([
    null,
    '',
    'bytes */1000',
    'bytes 100-99/1000',
    'bytes 0-1000/1000',
    'bytes 0-99/50',
    'bytes -1-99/1000',
    'bytes 0-99',
    'items 0-99/1000',
    'bytes=0-99/1000',
    'bytes 0-99/1000, 200-299/1000',
    'bytes 0-99999999999999999999/*',
    'bytes 0x10-20/100',
  ])('rejects %j', (value) => {
    expect(parseContentRange(value)).toBeNull()
  })

  it('property: round-trips any valid range', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 2 ** 50 }),
        fc.nat({ max: 2 ** 50 }),
        fc.option(fc.nat({ max: 2 ** 50 })),
        (start, length, extra) => {
          const end = start + length + 1
          const total = extra === null ? null : end + extra
          const value = `bytes ${start}-${end - 1}/${total ?? '*'}`
          expect(parseContentRange(value)).toEqual({ start, end, total })
        },
      ),
    )
  })

  it('property: a parsed range is never empty and never past the total', () => {
    fc.assert(
      fc.property(fc.nat({ max: 300 }), fc.nat({ max: 300 }), fc.nat({ max: 300 }), (a, b, t) => {
        const parsed = parseContentRange(`bytes ${a}-${b}/${t}`)
        if (parsed === null) expect(b < a || b >= t).toBe(true)
        else {
          expect(parsed.end).toBeGreaterThan(parsed.start)
          expect(parsed.end).toBeLessThanOrEqual(t)
        }
      }),
    )
  })
})

describe('parseUnsatisfiedRangeTotal', () => {
  it('reads the total of a 416 answer', () => {
    expect(parseUnsatisfiedRangeTotal('bytes */1000')).toBe(1000)
    expect(parseUnsatisfiedRangeTotal(' BYTES */0 ')).toBe(0)
  })

  it.each([null, '', 'bytes */*', 'bytes 0-1/1000', '*/1000', 'bytes */-1'])(
    'rejects %j',
    (value) => {
      expect(parseUnsatisfiedRangeTotal(value)).toBeNull()
    },
  )
})

describe('parseContentLength', () => {
  it.each([
    ['0', 0],
    ['1234', 1234],
    [' 42 ', 42],
    [String(Number.MAX_SAFE_INTEGER), Number.MAX_SAFE_INTEGER],
  ])('%j → %i', (value, expected) => {
    expect(parseContentLength(value)).toBe(expected)
  })

  it.each([null, '', '-1', '1.5', '1e3', '0x10', '12 34', 'abc', '99999999999999999999'])(
    'rejects %j',
    (value) => {
      expect(parseContentLength(value)).toBeNull()
    },
  )
})

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-01-01T00:00:00Z')

  it('reads delay-seconds', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000)
    expect(parseRetryAfter(' 0 ', now)).toBe(0)
  })

  it('reads an HTTP date relative to now, never negative', () => {
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:30 GMT', now)).toBe(30_000)
    // The obsolete RFC 850 and asctime forms are still valid HTTP-dates.
    expect(parseRetryAfter('Wednesday, 01-Jan-25 00:01:00 GMT', now)).toBe(60_000)
    expect(parseRetryAfter('Wed Jan  1 00:00:10 2025', now)).toBe(10_000)
    expect(parseRetryAfter('Tue, 31 Dec 2024 23:00:00 GMT', now)).toBe(0)
  })

  it.each([null, '', 'soon', '3 days', 'NaN'])('junk %j → null', (value) => {
    expect(parseRetryAfter(value, now)).toBeNull()
  })

  // V8's lenient Date.parse reads "-5"/"0.5" as dates in 2001 and "foo 2030" as a date years
  // away; only HTTP-date shapes may reach it.
  it.each(['-5', '1.5', '0.5', 'soon 5', 'foo 2030'])('junk %j → null', (value) => {
    expect(parseRetryAfter(value, now)).toBeNull()
  })

  it('property: any number of seconds becomes that many ms', () => {
    fc.assert(
      fc.property(fc.nat({ max: 10 ** 9 }), (seconds) => {
        expect(parseRetryAfter(String(seconds), now)).toBe(seconds * 1000)
      }),
    )
  })
})

describe('strongEtag', () => {
  it('keeps strong validators, trimmed', () => {
    expect(strongEtag('"abc"')).toBe('"abc"')
    expect(strongEtag('  "abc"  ')).toBe('"abc"')
  })

  it('drops weak or missing ones', () => {
    expect(strongEtag('W/"abc"')).toBeNull()
    expect(strongEtag(' W/"abc"')).toBeNull()
    expect(strongEtag(null)).toBeNull()
    expect(strongEtag('')).toBeNull()
  })
})
