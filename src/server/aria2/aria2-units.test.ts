import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { gidOf } from './aria2-gid.ts'
import { isAllowedHost } from './aria2-host-check.ts'
import { paginate } from './aria2-methods.ts'
import { addRequestFields, parseAria2Size } from './aria2-options.ts'

describe('paginate (tellWaiting / tellStopped)', () => {
  it('matches aria2’s examples', () => {
    const abc = ['A', 'B', 'C']
    expect(paginate(abc, -1, 2)).toEqual(['C', 'B'])
    expect(paginate(abc, -1, 1000)).toEqual(['C', 'B', 'A'])
    expect(paginate(abc, -3, 2)).toEqual(['A'])
    expect(paginate(abc, -4, 2)).toEqual([])
    expect(paginate(abc, 1, 1000)).toEqual(['B', 'C'])
    expect(paginate(abc, 3, 1)).toEqual([])
    expect(paginate(abc, 0, 0)).toEqual([])
    expect(paginate(abc, 0, -1)).toEqual([])
  })

  it('property: a negative offset gives the same items as the mirrored positive page, reversed', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat(), { maxLength: 30 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 40 }),
        (items, back, num) => {
          const reversed = [...items].reverse()
          expect(paginate(items, -back, num)).toEqual(paginate(reversed, back - 1, num))
          const page = paginate(items, back - 1, num)
          expect(page.length).toBe(Math.max(0, Math.min(num, items.length - (back - 1))))
        },
      ),
    )
  })
})

describe('aria2 option values', () => {
  it('reads sizes with K and M suffixes as aria2 does', () => {
    expect(parseAria2Size('0')).toBe(0)
    expect(parseAria2Size('100K')).toBe(102_400)
    expect(parseAria2Size('1m')).toBe(1_048_576)
    expect(parseAria2Size('1.5M')).toBeNull()
    expect(parseAria2Size('-1')).toBeNull()
    expect(parseAria2Size('1G')).toBeNull()
    expect(parseAria2Size('')).toBeNull()
  })

  it('property: n, nK and nM read back as n × 1, 1024, 1024²', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 2 ** 30 }),
        fc.constantFrom(['', 1], ['K', 1024], ['M', 1024 ** 2]),
        (n, [unit, factor]) => {
          expect(parseAria2Size(`${n}${unit}`)).toBe(n * (factor as number))
        },
      ),
    )
  })

  it('turns header lines into headers and refuses a line break smuggled into one', () => {
    expect(addRequestFields({ header: 'Cookie: a=b; c=d' }, 'http://x/')).toEqual({
      headers: { Cookie: 'a=b; c=d' },
    })
    expect(() => addRequestFields({ header: ['Good: 1', 'no colon'] }, 'http://x/')).toThrow(
      "We encountered a problem while processing the option '--header'.",
    )
    expect(() => addRequestFields({ 'user-agent': 'a\r\nX-Evil: 1' }, 'http://x/')).toThrow(
      "'--user-agent'",
    )
    expect(() => addRequestFields({ checksum: 'sha-512=abcd' }, 'http://x/')).toThrow(
      "'--checksum'",
    )
    expect(addRequestFields({ pause: 'false', out: '' }, 'http://x/')).toEqual({})
  })
})

describe('GIDs and the Host check', () => {
  it('gives each id a stable 16-hex-digit GID', () => {
    expect(gidOf('a')).toBe(gidOf('a'))
    expect(gidOf('a')).toMatch(/^[0-9a-f]{16}$/)
    expect(gidOf('a')).not.toBe(gidOf('b'))
  })

  it('lets IP literals, localhost and listed names through; refuses other names and junk', () => {
    expect(isAllowedHost('127.0.0.1:16800', [])).toBe(true)
    expect(isAllowedHost('[::1]:16800', [])).toBe(true)
    expect(isAllowedHost('localhost:6800', [])).toBe(true)
    expect(isAllowedHost('192.168.1.5', [])).toBe(true)
    expect(isAllowedHost('nas.local:6800', ['nas.local'])).toBe(true)
    expect(isAllowedHost('NAS.local.', ['nas.local'])).toBe(true)
    expect(isAllowedHost('evil.example:6800', ['nas.local'])).toBe(false)
    expect(isAllowedHost('127.0.0.1.evil.example', [])).toBe(false)
    expect(isAllowedHost(undefined, [])).toBe(false)
    expect(isAllowedHost('a b', [])).toBe(false)
  })
})
