import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { buildPreview } from './build-preview.ts'
import { parseDropped } from './parse-dropped.ts'

const urlArb = fc.webUrl({ validSchemes: ['http', 'https'], withQueryParameters: true }).filter(
  // Separators inside a URL would split it when pasted as plain text.
  (url) => !/[\s,;|]/.test(url),
)

describe('parseDropped', () => {
  it('never throws, whatever the input', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary' }),
        fc.constantFrom('text', 'html'),
        (text, format) => {
          const parsed = parseDropped(text, format as 'text' | 'html')
          for (const p of parsed.problems) expect(p.line).toBeGreaterThan(0)
        },
      ),
    )
  })

  it('every valid URL in is one out, in order, however they are separated', () => {
    fc.assert(
      fc.property(
        fc.array(urlArb, { maxLength: 30 }),
        fc.array(fc.constantFrom('\n', '\r\n', ' ', ', ', ';', '\t', '\n\n', ' | ')),
        (urls, seps) => {
          const text = urls.map((u, i) => u + (seps[i % Math.max(1, seps.length)] ?? '\n')).join('')
          const parsed = parseDropped(text)
          expect(parsed.entries.map((e) => e.request.url)).toEqual(urls)
          expect(parsed.problems).toEqual([])
        },
      ),
    )
  })

  it('every link of an HTML page is one out', () => {
    fc.assert(
      fc.property(fc.array(urlArb, { maxLength: 20 }), (urls) => {
        const html = urls
          .map((u) => `<li><a class="x" href="${u.replace(/&/g, '&amp;')}">file</a></li>`)
          .join('\n')
        expect(parseDropped(html, 'html').entries.map((e) => e.request.url)).toEqual(urls)
      }),
    )
  })

  it('names each bad line with its number and reason', () => {
    const parsed = parseDropped(
      [
        '# my list',
        'https://example.com/a.iso',
        '',
        'not a url',
        'file:///etc/passwd',
        'javascript:alert(1)',
        'https://example.com/b.iso',
        '  out=b-renamed.iso',
        '  checksum=sha-256=abc',
      ].join('\n'),
    )
    expect(parsed.entries.map((e) => [e.line, e.request.url])).toEqual([
      [2, 'https://example.com/a.iso'],
      [7, 'https://example.com/b.iso'],
    ])
    expect(parsed.entries[1]!.request.name).toBe('b-renamed.iso')
    const lines = parsed.problems.map((p) => [p.line, p.message])
    expect(lines).toContainEqual([4, 'not a URL: "not a url"'])
    expect(lines.find(([l]) => l === 5)?.[1]).toMatch(/unsupported scheme "file"/)
    expect(lines.find(([l]) => l === 6)?.[1]).toMatch(/unsupported scheme "javascript"/)
    expect(lines.find(([l]) => l === 9)?.[1]).toMatch(/checksum= must be ALGO=HEX/)
  })

  it('reads links out of prose, and a line without any as one bad line', () => {
    const parsed = parseDropped(
      'see https://a.example/1, and then https://a.example/2.\nhello there',
    )
    expect(parsed.entries.map((e) => e.request.url)).toEqual([
      'https://a.example/1',
      'https://a.example/2.',
    ])
    expect(parsed.problems).toEqual([
      { line: 2, text: 'hello there', message: 'not a URL: "hello there"' },
    ])
  })

  it('reads indented options for the URL above', () => {
    const parsed = parseDropped(
      `https://example.com/x\n  out=x.bin\n  checksum=sha-256=${'a'.repeat(64)}\n  header=Referer: https://example.com/`,
    )
    expect(parsed.entries[0]!.request).toEqual({
      url: 'https://example.com/x',
      name: 'x.bin',
      checksum: { algorithm: 'sha-256', hex: 'a'.repeat(64) },
      headers: { Referer: 'https://example.com/' },
    })
  })

  it('parses 10,000 URLs', () => {
    const text = Array.from({ length: 10_000 }, (_, i) => `https://example.com/f${i}.bin`).join(
      '\n',
    )
    const preview = buildPreview(parseDropped(text), new Set())
    expect(preview.requests).toHaveLength(10_000)
  })
})

describe('buildPreview', () => {
  it('marks duplicates in the list and of the queue, and adds each URL once', () => {
    const parsed = parseDropped(
      'https://a.example/1\nhttps://A.example/1#frag\nhttps://a.example/2\nhttps://a.example/3\nbad',
    )
    const preview = buildPreview(parsed, new Set(['https://a.example/3']))
    expect(preview.requests.map((r) => r.url)).toEqual([
      'https://a.example/1',
      'https://a.example/2',
    ])
    expect(preview.rows).toEqual([
      { kind: 'ok', line: 1, url: 'https://a.example/1' },
      { kind: 'duplicate', line: 2, url: 'https://A.example/1#frag', of: 1 },
      { kind: 'ok', line: 3, url: 'https://a.example/2' },
      { kind: 'duplicate', line: 4, url: 'https://a.example/3', of: 'queue' },
      { kind: 'invalid', line: 5, text: 'bad', reason: 'not a URL: "bad"' },
    ])
    expect(preview.duplicates).toBe(2)
    expect(preview.invalid).toBe(1)
  })
})
