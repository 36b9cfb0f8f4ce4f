import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { NO_ADD_OPTIONS, readAddOptions, withCredentials } from './add-options.ts'
import type { AddOptionsInput } from './add-options.ts'

const url = 'https://files.example/a/book.epub'
const read = (patch: Partial<AddOptionsInput>, count = 1) =>
  readAddOptions({ ...NO_ADD_OPTIONS, ...patch }, count)
const problems = (patch: Partial<AddOptionsInput>, count = 1) => {
  const result = read(patch, count)
  return result.ok ? [] : result.problems.map((p) => `${p.field}: ${p.message}`)
}

describe('the add dialog options', () => {
  it('leave a request as it is when empty', () => {
    const result = read({}, 3)
    expect(result.ok && result.apply({ url })).toEqual({ url })
  })

  it('put a name, checksum, Referer, headers and credentials on the request', () => {
    const result = read({
      name: 'Book 1.epub',
      checksum: 'SHA256=' + 'AB'.repeat(32),
      referer: 'https://shop.example/orders/7',
      headers: 'Cookie: session=1\r\n\nX-Token:  t0k ',
      user: 'ann@example.com',
      password: 'p:ss%41/wörd',
    })
    expect(result.ok && result.apply({ url, headers: { Accept: '*/*' } })).toEqual({
      url: 'https://ann%40example.com:p%3Ass%2541%2Fw%C3%B6rd@files.example/a/book.epub',
      name: 'Book 1.epub',
      checksum: { algorithm: 'sha-256', hex: 'ab'.repeat(32) },
      headers: {
        Accept: '*/*',
        Referer: 'https://shop.example/orders/7',
        Cookie: 'session=1',
        'X-Token': 't0k',
      },
    })
  })

  it('refuse what the engine would refuse, each with the field and a sentence', () => {
    expect(problems({ name: '../etc/passwd' })).toEqual([
      'name: File name must be a file name, not a path (no / or \\)',
    ])
    expect(problems({ name: 'a.iso' }, 2)).toEqual([
      'name: File name names one file: add 2 URLs without it',
    ])
    expect(problems({ checksum: 'sha-256=abc' })).toEqual([
      'checksum: Checksum sha-256 digest must be 64 hex digits, got 3',
    ])
    expect(problems({ checksum: 'crc32=00ff00ff' })).toEqual([
      'checksum: Checksum must be ALGO=HEX with ALGO sha-256, sha-1 or md5, got "crc32=00ff00ff"',
    ])
    expect(problems({ referer: 'shop.example' })).toEqual([
      'referer: Referer must be a web address like https://example.com/page',
    ])
    expect(problems({ headers: 'X-Fine: 1\nno colon here\nRange: bytes=0-' })).toEqual([
      'headers: Headers, line 2: must be "Name: value"',
      'headers: Headers, line 3: Range cannot be set: it is set by Downpour for each connection',
    ])
    expect(
      problems({ referer: 'https://a.example/', headers: 'referer: https://b.example/' }),
    ).toEqual(['headers: Headers, line 1: referer is given twice (also in the Referer field)'])
    expect(problems({ password: 'secret' })).toEqual(['user: User name is needed with a password'])
  })

  it('credentials reach the engine exactly as typed (it decodes userinfo for Basic auth)', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, unit: 'binary' }).filter((s) => !/[\r\n\0]/.test(s)),
        fc.string({ unit: 'binary' }).filter((s) => !/[\r\n\0]/.test(s)),
        (user, password) => {
          const parsed = new URL(withCredentials(url, user, password))
          expect(decodeURIComponent(parsed.username)).toBe(user)
          expect(decodeURIComponent(parsed.password)).toBe(password)
          expect(parsed.host).toBe('files.example')
          expect(parsed.pathname).toBe('/a/book.epub')
        },
      ),
      { numRuns: 300 },
    )
  })
})
