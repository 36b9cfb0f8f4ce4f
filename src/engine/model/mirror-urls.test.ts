import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { DownpourError } from '../../shared/protocol/errors.ts'
import { MAX_MIRRORS } from '../../shared/protocol/model.ts'
import { buildRecord } from '../scheduler/build-record.ts'
import { NO_MIRRORS } from './download-record.ts'
import { checkMirrors } from './mirror-urls.ts'

const primary = new URL('https://main.example/f.iso')

describe('a download’s mirrors', () => {
  it('keeps http and https URLs in their order, dropping the download’s own URL and repeats', () => {
    expect(
      checkMirrors(primary, [
        'https://m1.example/f.iso',
        'https://MAIN.example/f.iso#top',
        'http://m2.example/f.iso',
        'https://m1.example/f.iso',
      ]),
    ).toEqual(['https://m1.example/f.iso', 'http://m2.example/f.iso'])
    expect(checkMirrors(primary, [])).toBe(NO_MIRRORS)
    expect(checkMirrors(primary, ['https://main.example/f.iso'])).toBe(NO_MIRRORS)
  })

  it('refuses a mirror that is not http/https or not a URL, naming which one', () => {
    expect(() => checkMirrors(primary, ['https://m1.example/f', 'ftp://m2.example/f'])).toThrow(
      /mirror 2: unsupported scheme "ftp"/,
    )
    expect(() => checkMirrors(primary, ['not a url'])).toThrow(/mirror 1: not a URL/)
    expect(() => checkMirrors(primary, ['file:///etc/passwd'])).toThrow(DownpourError)
  })

  it('refuses more than the cap, at the boundary and here', () => {
    const many = Array.from({ length: MAX_MIRRORS + 1 }, (_, i) => `https://m${i}.example/f`)
    expect(() => checkMirrors(primary, many)).toThrow(`at most ${MAX_MIRRORS} mirrors`)
    expect(() => buildRecord({ url: primary.href, mirrors: many }, '/d')).toThrow(
      `at most ${MAX_MIRRORS} mirrors`,
    )
    expect(buildRecord({ url: primary.href, mirrors: many.slice(1) }, '/d').mirrors).toHaveLength(
      MAX_MIRRORS,
    )
  })

  it('property: what is kept is distinct, never the primary, and each one was given', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.webUrl(), fc.constant(primary.href)), { maxLength: MAX_MIRRORS }),
        (given) => {
          const kept = checkMirrors(primary, given)
          expect(new Set(kept).size).toBe(kept.length)
          expect(kept).not.toContain(primary.href)
          for (const url of kept) expect(given.map((g) => new URL(g).href)).toContain(url)
        },
      ),
      { numRuns: 60 },
    )
  })
})
