import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { DownpourError, ERROR_CODES } from './errors.ts'
import { normalizeUrlKey, parseDownloadUrl, redactUrl, SUPPORTED_SCHEMES } from './url.ts'

function parseError(input: string): DownpourError {
  try {
    parseDownloadUrl(input)
  } catch (error) {
    expect(error).toBeInstanceOf(DownpourError)
    return error as DownpourError
  }
  throw new Error(`expected ${JSON.stringify(input)} to be rejected`)
}

describe('parseDownloadUrl', () => {
  it.each([
    ['https://a.example/x.iso', 'https://a.example/x.iso'],
    ['  https://a.example/x  \n', 'https://a.example/x'],
    ['<https://a.example/x>', 'https://a.example/x'],
    [' <http://b.example/> ', 'http://b.example/'],
    ['HTTPS://EXAMPLE.com:443/a?b=1#f', 'https://example.com/a?b=1#f'],
    ['http://[::1]:8080/x', 'http://[::1]:8080/x'],
    ['https://user:pw@h.example/x', 'https://user:pw@h.example/x'],
  ])('accepts %j', (input, href) => {
    expect(parseDownloadUrl(input).href).toBe(href)
  })

  it.each([
    ['file:///etc/passwd', 'file'],
    ['javascript:alert(1)', 'javascript'],
    ['JavaScript:alert(1)', 'javascript'],
    ['data:text/plain,hi', 'data'],
    ['ftp://ftp.example/x', 'ftp'],
    ['ws://h.example/', 'ws'],
    ['mailto:a@b.example', 'mailto'],
    ['<file:///C:/Windows/win.ini>', 'file'],
  ])('refuses %j with DP_ERR_UNSUPPORTED_SCHEME', (input, scheme) => {
    const error = parseError(input)
    expect(error.code).toBe(ERROR_CODES.unsupportedScheme)
    expect(error.message).toContain(`unsupported scheme "${scheme}"`)
    expect(error.retryable).toBe(false)
  })

  it.each(['', '   ', '<>', '\n\t'])('refuses empty input %j with DP_ERR_BAD_URL', (input) => {
    const error = parseError(input)
    expect(error.code).toBe(ERROR_CODES.badUrl)
    expect(error.message).toBe('empty URL')
  })

  it.each([
    'not a url',
    'example.com/x',
    'https://',
    'http://:80/',
    'https://exa mple.com/',
    'http://[::1/',
  ])('refuses %j (no host or not a URL) with DP_ERR_BAD_URL', (input) => {
    expect(parseError(input).code).toBe(ERROR_CODES.badUrl)
  })

  it('does not put a password into the error message of a refused scheme', () => {
    const error = parseError('ftp://me:hunter2@ftp.example/x')
    expect(error.message).not.toContain('hunter2')
    expect(error.message).toContain('***')
  })

  it('shortens very long inputs in messages', () => {
    const error = parseError(`not a url ${'x'.repeat(5000)}`)
    expect(error.message.length).toBeLessThan(300)
  })

  it('only http and https are supported', () => {
    expect([...SUPPORTED_SCHEMES].sort()).toEqual(['http:', 'https:'])
  })
})

describe('redactUrl', () => {
  it('hides the password and keeps everything else', () => {
    expect(redactUrl('https://user:secret@h.example/x?a=1#f')).toBe(
      'https://user:***@h.example/x?a=1#f',
    )
    expect(redactUrl(new URL('https://user@h.example/'))).toBe('https://user@h.example/')
    expect(redactUrl('https://h.example/')).toBe('https://h.example/')
    // An '@' elsewhere is not user info.
    expect(redactUrl('https://h.example/@me/x?to=a@b')).toBe('https://h.example/@me/x?to=a@b')
  })

  it('property: the password never appears in the result', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z]{1,8}$/),
        fc.stringMatching(/^[A-Za-z0-9]{4,12}$/),
        fc.constantFrom('/', '/file.bin', '/a/b?q=1', '/x#frag'),
        (user, secret, rest) => {
          const password = `Pw${secret}`
          const out = redactUrl(`https://${user}:${password}@files.example${rest}`)
          expect(out).not.toContain(password)
          expect(out).toBe(`https://${user}:***@files.example${rest}`)
        },
      ),
    )
  })
})

describe('normalizeUrlKey', () => {
  it('drops the fragment, the userinfo and the default port; lower-cases scheme and host', () => {
    expect(normalizeUrlKey(new URL('HTTPS://User:pw@Example.COM:443/a/b?z=1&a=2#frag'))).toBe(
      'https://example.com/a/b?z=1&a=2',
    )
    expect(normalizeUrlKey(new URL('http://h.example:80/'))).toBe('http://h.example/')
  })

  it('keeps what makes two downloads different: path case, query order, non-default ports', () => {
    const key = (s: string) => normalizeUrlKey(new URL(s))
    expect(key('https://h.example/A')).not.toBe(key('https://h.example/a'))
    expect(key('https://h.example/?a=1&b=2')).not.toBe(key('https://h.example/?b=2&a=1'))
    expect(key('https://h.example:8443/')).not.toBe(key('https://h.example/'))
    expect(key('http://h.example/')).not.toBe(key('https://h.example/'))
  })

  it('does not modify its argument', () => {
    const url = new URL('https://u:p@h.example/x#f')
    normalizeUrlKey(url)
    expect(url.href).toBe('https://u:p@h.example/x#f')
  })

  it('property: the same resource with any fragment or credentials has the same key', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^\/[A-Za-z0-9._~/-]{0,20}$/),
        fc.option(fc.stringMatching(/^[a-z0-9=&]{0,10}$/)),
        fc.option(fc.stringMatching(/^[a-z]{1,6}$/)),
        fc.option(fc.stringMatching(/^[A-Za-z0-9]{1,6}$/)),
        fc.option(fc.stringMatching(/^[A-Za-z0-9-]{0,8}$/)),
        (path, query, user, password, fragment) => {
          const resource = `files.example${path}${query === null ? '' : `?${query}`}`
          const userinfo = user === null ? '' : `${user}${password === null ? '' : `:${password}`}@`
          const base = `https://${resource}`
          const decorated = `https://${userinfo}${resource}${fragment === null ? '' : `#${fragment}`}`
          const key = normalizeUrlKey(new URL(decorated))
          expect(key).toBe(normalizeUrlKey(new URL(base)))
          expect(key).not.toContain('#')
          expect(key).not.toContain('@')
        },
      ),
    )
  })
})

describe('an address without its scheme', () => {
  it.each([
    ['www.example.com/file.zip', 'https://www.example.com/file.zip'],
    ['files.example.org:8080/a/b.iso?x=1', 'https://files.example.org:8080/a/b.iso?x=1'],
    ['www.example.com', 'https://www.example.com'],
    ['example.com/dl?id=3', 'https://example.com/dl?id=3'],
  ])('%j is refused with the https:// form offered', (input, offered) => {
    expect(() => parseDownloadUrl(input)).toThrow(
      `not a URL: "${input}" (did you mean ${offered}?)`,
    )
    expect(parseDownloadUrl(offered).href).toMatch(/^https:\/\//)
  })

  it.each(['not a url at all', 'hello', 'file.zip', 'report.pdf', 'a b.com/x'])(
    '%j is refused without an offer',
    (input) => {
      expect(() => parseDownloadUrl(input)).toThrow(`not a URL: "${input}"`)
      expect(() => parseDownloadUrl(input)).not.toThrow(/did you mean/)
    },
  )
})
