import fc from 'fast-check'
import * as v from 'valibot'
import { describe, expect, it } from 'vitest'
import { fuzzRuns } from '../../../test/fuzz-runs.ts'
import { addRequestSchema, headersSchema } from '../protocol/schemas.ts'
import { SUPPORTED_SCHEMES } from '../protocol/url.ts'
import { fileNameProblem } from './file-name-check.ts'
import { parseHeaderLine } from './header-line.ts'
import { parseUrlList, UrlListReader } from './parse-url-list.ts'

// Fuzzing the lists people paste, drop and pass with -i (a list is written by whoever made the
// web page or the file, not by the user) and their `header=` lines. The parser must never throw,
// give each refused line a problem naming the line and the reason, and hand the engine only
// requests its own schema accepts: http(s) URLs, bare file names, headers without CR or LF.

/** Pieces a hostile or broken list is made of, joined with every kind of line end. */
const piece = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.webUrl({ withQueryParameters: true, withFragments: true }),
  fc.constantFrom(
    'http://127.0.0.1/a.bin',
    'https://example.com/x?ids=1,2',
    'ftp://example.com/f',
    'javascript:alert(1)',
    'file:///etc/passwd',
    'data:text/html,<script>',
    'http://[::1',
    '"https://example.com/q.bin"',
    '\uFEFF',
    '#comment',
    '\u0000',
    '\uD800',
  ),
  fc
    .tuple(
      fc.constantFrom(' ', '\t', '   '),
      fc.constantFrom('out=', 'o=', 'header=', 'checksum=', 'OUT=', 'x=', '=', ''),
      fc.oneof(
        fc.string({ unit: 'binary', maxLength: 30 }),
        fc.constantFrom(
          '../../etc/passwd',
          '..',
          '.',
          'a/b',
          'a\\b',
          'C:\\x',
          'Cookie: a=1',
          'X-A: b\r\nInjected: 1',
          'X-A: b\nc',
          'Host: evil',
          'Range: bytes=0-',
          '__proto__: x',
          'sha-256=' + 'ab'.repeat(32),
          'md5=zz',
        ),
      ),
    )
    .map(([indent, key, value]) => indent + key + value),
)
const listText = fc
  .tuple(
    fc.array(piece, { maxLength: 25 }),
    fc.array(fc.constantFrom('\n', '\r\n', '\r', ' ', ', ')),
  )
  .map(([pieces, ends]) =>
    pieces.map((p, i) => p + (ends[i % Math.max(1, ends.length)] ?? '\n')).join(''),
  )

describe('URL lists under random input', () => {
  it('never throw; entries are requests the engine accepts; problems name a line and a reason', () => {
    fc.assert(
      fc.property(listText, (text) => {
        const lines = text.split(/\r\n|\r|\n/).length
        const parsed = parseUrlList(text)
        for (const { line, request } of parsed.entries) {
          expect(line).toBeGreaterThanOrEqual(1)
          expect(line).toBeLessThanOrEqual(lines)
          expect(SUPPORTED_SCHEMES.has(new URL(request.url).protocol)).toBe(true)
          const checked = v.safeParse(addRequestSchema, request)
          expect(checked.success, JSON.stringify({ request, issues: checked.issues })).toBe(true)
          if (request.name !== undefined) expect(fileNameProblem(request.name)).toBeNull()
          for (const [name, value] of Object.entries(request.headers ?? {})) {
            expect(value).not.toMatch(/[\r\n]/)
            // undici's own check: what it refuses could never be sent.
            expect(() => new Headers([[name, value]])).not.toThrow()
          }
        }
        for (const problem of parsed.problems) {
          expect(problem.line).toBeGreaterThanOrEqual(1)
          expect(problem.line).toBeLessThanOrEqual(lines)
          expect(problem.message.trim().length).toBeGreaterThan(5)
        }
        // Read a piece at a time, the answer is the same.
        const reader = new UrlListReader(text)
        const entries = []
        while (!reader.done) entries.push(...reader.read(2).entries)
        expect(entries).toEqual(parsed.entries)
      }),
      fuzzRuns(3000),
    )
  })
})

describe('header= lines under random input', () => {
  const headerText = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 60 }),
    fc
      .tuple(
        fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('Cookie', 'X-A', 'Range', 'TE')),
        fc.constantFrom(':', ': ', ' : ', '::', ''),
        fc.string({ unit: 'binary', maxLength: 40 }),
      )
      .map(([name, colon, value]) => name + colon + value),
  )

  it('either a header undici sends as given, or a refusal that says why', () => {
    fc.assert(
      fc.property(headerText, (text) => {
        const header = parseHeaderLine(text)
        if (!header.ok) {
          expect(header.problem.trim().length).toBeGreaterThan(5)
          return
        }
        expect(header.name).toMatch(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/)
        // eslint-disable-next-line no-control-regex -- the property is about control characters
        expect(header.value).not.toMatch(/[\u0000-\u0008\u000a-\u001f\u007f]/)
        const sent = new Headers([[header.name, header.value]])
        expect(sent.get(header.name)).toBe(header.value.trim())
        expect(
          v.safeParse(headersSchema, { [header.name]: header.value }).success,
          JSON.stringify(header),
        ).toBe(true)
      }),
      fuzzRuns(5000),
    )
  })
})
