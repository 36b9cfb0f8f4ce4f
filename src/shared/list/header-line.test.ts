import { describe, expect, it } from 'vitest'
import { parseHeaderLine } from './header-line.ts'
import { fileNameProblem } from './file-name-check.ts'

describe('parseHeaderLine', () => {
  it('splits "Name: value"', () => {
    expect(parseHeaderLine('Cookie: a=b; c=d')).toEqual({
      ok: true,
      name: 'Cookie',
      value: 'a=b; c=d',
    })
    expect(parseHeaderLine('X-Empty:')).toEqual({ ok: true, name: 'X-Empty', value: '' })
    expect(parseHeaderLine('Accept :  */*')).toEqual({ ok: true, name: 'Accept', value: '*/*' })
    expect(parseHeaderLine('X-Tab: a\tb')).toEqual({ ok: true, name: 'X-Tab', value: 'a\tb' })
  })

  it.each(['__proto__: x', 'constructor: x', 'Prototype: x'])(
    'refuses %j with a reason rather than losing it later',
    (text) => {
      const name = text.split(':')[0]
      expect(parseHeaderLine(text)).toEqual({
        ok: false,
        problem: `${name} cannot be set: it is a name Downpour cannot keep`,
      })
    },
  )

  it.each(['no colon', ': value', 'Bad Name: x', 'Ünïcode: x'])(
    'rejects the shape of %j',
    (text) => {
      expect(parseHeaderLine(text)).toEqual({ ok: false, problem: 'must be "Name: value"' })
    },
  )

  it.each([
    'X: a\r\nInjected: 1',
    'X: a\nb',
    'X: a\u0000b',
    'X: \u001b]0;title\u0007',
    'X: a\u007f',
  ])('rejects control characters in %j', (text) => {
    expect(parseHeaderLine(text)).toEqual({
      ok: false,
      problem: 'the value of X holds a control character',
    })
  })

  it('refuses characters past U+00FF, which undici would refuse only when the request is made', () => {
    expect(parseHeaderLine('Cookie: a=1 Ā')).toEqual({
      ok: false,
      problem:
        'the value of Cookie holds U+0100, which a header cannot carry (only Latin-1 text; percent-encode the rest)',
    })
    expect(parseHeaderLine('X: 😀').ok).toBe(false)
    // Latin-1 is bytes on the wire: kept as given.
    expect(parseHeaderLine('X: café')).toEqual({ ok: true, name: 'X', value: 'café' })
  })

  it.each([
    'Transfer-Encoding',
    'connection',
    'Keep-Alive',
    'TE',
    'Upgrade',
    'Proxy-Connection',
    'Trailer',
    'Content-Length',
    'Range',
  ])('refuses %s, which is not the person’s to set', (name) => {
    const result = parseHeaderLine(`${name}: x`)
    expect(result.ok).toBe(false)
    expect(!result.ok && result.problem).toMatch(new RegExp(`^${name} cannot be set: it is `))
  })
})

describe('fileNameProblem', () => {
  it.each(['a.bin', 'été.txt', '.hidden', 'a..b', 'name with spaces'])('accepts %j', (name) => {
    expect(fileNameProblem(name)).toBeNull()
  })
  it.each([
    ['', 'a file name cannot be empty'],
    ['  ', 'a file name cannot be empty'],
    ['../x', 'must be a file name, not a path (no / or \\)'],
    ['/etc/passwd', 'must be a file name, not a path (no / or \\)'],
    ['a\\b', 'must be a file name, not a path (no / or \\)'],
    ['.', 'must be a file name, not dots alone'],
    ['..', 'must be a file name, not dots alone'],
    ['...', 'must be a file name, not dots alone'],
    ['a\u001bb', 'a file name cannot hold control characters'],
  ])('refuses %j: %s', (name, problem) => {
    expect(fileNameProblem(name)).toBe(problem)
  })
})
