import fc from 'fast-check'
import { basename, dirname, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { fuzzRuns } from '../../../test/fuzz-runs.ts'
import { sanitizeFileName } from './sanitize-file-name.ts'
import { suggestFileName } from './suggest-file-name.ts'

// Fuzzing the names a server suggests (Content-Disposition, the URL's last segment): whatever it
// sends, the result is one path component inside the download folder, on every OS's rules, and
// the parser never throws.

/** One name Downpour may create: a single component, no traversal, no control character. */
function expectOneComponent(name: string): void {
  expect(name.length).toBeGreaterThan(0)
  expect(name).not.toMatch(/[/\\]/)
  expect(name === '.' || name === '..').toBe(false)
  // eslint-disable-next-line no-control-regex -- the property is about control characters
  expect(name).not.toMatch(/[\u0000-\u001f\u007f-\u009f<>:"|?*]/)
  expect(name).not.toMatch(/^[\s.]|[\s.]$/)
  expect(Buffer.byteLength(name)).toBeLessThanOrEqual(255)
  // Windows' device names open the device, whatever the extension.
  expect(name.split('.')[0]!.trim()).not.toMatch(/^(con|prn|aux|nul|com[0-9]|lpt[0-9])$/i)
  const folder = join('/downloads', 'x')
  expect(dirname(join(folder, name))).toBe(folder)
  expect(basename(join(folder, name))).toBe(name)
  // Idempotent: a name already made safe stays as it is.
  expect(sanitizeFileName(name)).toBe(name)
}

const risky = fc.constantFrom(
  '../../etc/passwd',
  '..\\..\\windows\\system32',
  '/etc/shadow',
  'C:\\x.exe',
  '..',
  '.',
  '...',
  ' ',
  'CON',
  'nul.txt',
  'com1',
  'a\u0000b',
  'a\u202etxt.exe',
  '%2e%2e%2fx',
  '%2F',
  '\uD800',
  '\u00e9'.repeat(200),
  'x'.repeat(300) + '.tar.gz',
  '.bashrc',
  'a:b',
)
const nameLike = fc.oneof(
  risky,
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.array(fc.oneof(risky, fc.string({ maxLength: 8 })), { maxLength: 4 }).map((p) => p.join('/')),
)

/** Content-Disposition values as servers write them, correctly and not. */
const contentDisposition = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 80 }),
  nameLike.map((n) => `attachment; filename="${n}"`),
  nameLike.map((n) => `attachment; filename=${n}`),
  nameLike.map((n) => `attachment; filename*=UTF-8''${encodeURIComponentSafe(n)}`),
  fc
    .tuple(nameLike, nameLike)
    .map(([a, b]) => `inline; filename="${a}"; filename*=UTF-8''${encodeURIComponentSafe(b)}`),
  nameLike.map((n) => `attachment; filename*=ISO-8859-1'en'${escape(n)}`),
  nameLike.map((n) => `attachment; filename="${Buffer.from(n).toString('latin1')}"`),
)

function encodeURIComponentSafe(text: string): string {
  try {
    return encodeURIComponent(text)
  } catch {
    return text // a lone surrogate: sent raw, as a broken server would
  }
}

const url = fc.oneof(
  fc.webUrl({ withQueryParameters: true, withFragments: true }).map((u) => new URL(u)),
  nameLike.map((n) => new URL(`http://127.0.0.1/dir/${encodeURIComponentSafe(n)}`)),
  nameLike.map((n) => new URL(`http://127.0.0.1/${n}`)),
)

describe('suggested names under random input', () => {
  it('Content-Disposition and URL names always give one safe path component', () => {
    fc.assert(
      fc.property(
        fc.option(contentDisposition, { nil: null }),
        url,
        fc.option(fc.string({ maxLength: 30 }), { nil: null }),
        (header, where, contentType) => {
          const name = suggestFileName({ contentDisposition: header, url: where, contentType })
          expectOneComponent(name)
        },
      ),
      fuzzRuns(5000),
    )
  })

  it('sanitizeFileName gives one safe path component for any text', () => {
    fc.assert(
      fc.property(nameLike, (input) => expectOneComponent(sanitizeFileName(input))),
      fuzzRuns(5000),
    )
  })
})
