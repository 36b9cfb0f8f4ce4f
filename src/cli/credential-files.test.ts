import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { cookieHeaderFor, parseCookiesTxt, type Cookie } from './cookies-txt.ts'
import { netrcFor, parseNetrc } from './netrc.ts'

const token = fc
  .stringMatching(/^[!-~]{1,12}$/)
  .filter((t) => !t.includes('"') && !t.startsWith('#'))
const field = fc.stringMatching(/^[!-~]{0,12}$/)

describe('parseCookiesTxt', () => {
  const cookieArb: fc.Arbitrary<Cookie> = fc.record({
    domain: fc.stringMatching(/^\.?[a-z0-9]{1,8}(\.[a-z]{2,4})?$/),
    includeSubdomains: fc.boolean(),
    path: fc.stringMatching(/^\/[a-z0-9/]{0,8}$/),
    secure: fc.boolean(),
    expires: fc.integer({ min: 0, max: 2 ** 40 }),
    name: token,
    value: field,
  })
  const line = (c: Cookie, httpOnly: boolean) =>
    `${httpOnly ? '#HttpOnly_' : ''}${c.domain}\t${c.includeSubdomains ? 'TRUE' : 'FALSE'}\t${c.path}\t${c.secure ? 'TRUE' : 'FALSE'}\t${c.expires}\t${c.name}\t${c.value}`

  it('reads back every cookie written in the format, comments and blank lines skipped', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(cookieArb, fc.boolean())),
        fc.constantFrom('\n', '\r\n'),
        (rows, eol) => {
          const text = [
            '# Netscape HTTP Cookie File',
            '',
            ...rows.map(([c, h]) => line(c, h)),
          ].join(eol)
          const parsed = parseCookiesTxt(text)
          expect(parsed.problems).toEqual([])
          expect(parsed.cookies).toEqual(rows.map(([c]) => c))
        },
      ),
    )
  })

  it('a line of another shape is a problem with its number, never a cookie', () => {
    fc.assert(
      fc.property(fc.array(field, { minLength: 1, maxLength: 6 }), (parts) => {
        const parsed = parseCookiesTxt(`x\tFALSE\t/\tFALSE\t0\ta\tb\n${parts.join('\t')}`)
        if (parts.join('\t').trim() === '') return // a blank line
        if (parts[0]!.startsWith('#') && !parts[0]!.startsWith('#HttpOnly_')) return
        expect(parsed.cookies).toHaveLength(1)
        expect(parsed.problems[0]).toMatch(/^line 2: /)
      }),
    )
  })

  it('sends a cookie only to its domain (and subdomains when flagged), path and scheme', () => {
    const c: Cookie = {
      domain: 'example.com',
      includeSubdomains: true,
      path: '/dl',
      secure: true,
      expires: 0,
      name: 'a',
      value: '1',
    }
    expect(cookieHeaderFor([c], new URL('https://example.com/dl/x'), 1)).toBe('a=1')
    expect(cookieHeaderFor([c], new URL('https://cdn.example.com/dl'), 1)).toBe('a=1')
    expect(cookieHeaderFor([c], new URL('http://example.com/dl/x'), 1)).toBeNull()
    expect(cookieHeaderFor([c], new URL('https://badexample.com/dl/x'), 1)).toBeNull()
    expect(cookieHeaderFor([c], new URL('https://example.com/dlx'), 1)).toBeNull()
    expect(cookieHeaderFor([{ ...c, expires: 5 }], new URL('https://example.com/dl'), 6)).toBeNull()
  })
})

describe('parseNetrc', () => {
  const quoted = (s: string) =>
    /[\s"\\]/.test(s) || s === '' ? `"${s.replace(/[\\"]/g, '\\$&')}"` : s
  const entryArb = fc.record({
    machine: fc.option(fc.stringMatching(/^[a-z0-9.-]{1,12}$/), { nil: null }),
    login: fc.string({ minLength: 1, maxLength: 10 }).filter((s) => !s.startsWith('#')),
    password: fc.string({ maxLength: 10 }).filter((s) => !s.startsWith('#')),
  })

  it('reads back the entries written in the format, any whitespace between tokens', () => {
    fc.assert(
      fc.property(
        fc.array(entryArb, { maxLength: 5 }),
        fc.constantFrom(' ', '\n', '\n\t'),
        (entries, gap) => {
          const text = entries
            .map((e) =>
              [
                e.machine === null ? 'default' : `machine${gap}${e.machine}`,
                `login${gap}${quoted(e.login)}`,
                `password${gap}${quoted(e.password)}`,
              ].join(gap),
            )
            .join('\n')
          expect(parseNetrc(text)).toEqual(entries)
        },
      ),
    )
  })

  it('a host gets its machine, else the default; macdef bodies are skipped', () => {
    const entries = parseNetrc(
      'machine a.example login u password p\nmacdef init\nmachine evil login x password y\n\ndefault login d password q\n',
    )
    expect(netrcFor(entries, 'A.example')).toEqual({
      machine: 'a.example',
      login: 'u',
      password: 'p',
    })
    expect(netrcFor(entries, 'evil')).toEqual({ machine: null, login: 'd', password: 'q' })
  })
})
