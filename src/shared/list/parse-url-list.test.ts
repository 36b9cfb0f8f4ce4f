import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { normalizeUrlKey } from '../protocol/url.ts'
import { hashOf } from './seen-urls.ts'
import { parseUrlList, UrlListReader } from './parse-url-list.ts'

const md5 = 'a'.repeat(32)

describe('parseUrlList', () => {
  it('reads one URL per line, skipping blank lines and comments', () => {
    const text = [
      '# my downloads',
      '',
      'https://a.example/one.iso',
      '   ',
      '  # an indented comment',
      'http://b.example/two',
    ].join('\n')
    expect(parseUrlList(text)).toEqual({
      entries: [
        { line: 3, request: { url: 'https://a.example/one.iso' } },
        { line: 6, request: { url: 'http://b.example/two' } },
      ],
      problems: [],
      duplicates: [],
    })
  })

  it('LF, CRLF and CR alone all end a line; a BOM is dropped', () => {
    const { entries, problems } = parseUrlList(
      '\uFEFFhttps://a.example/x\r\n\r\nhttps://b.example/y  \rhttps://c.example/z\r',
    )
    expect(problems).toEqual([])
    expect(entries).toEqual([
      { line: 1, request: { url: 'https://a.example/x' } },
      { line: 3, request: { url: 'https://b.example/y' } },
      { line: 4, request: { url: 'https://c.example/z' } },
    ])
  })

  it('a line may hold several URLs separated by spaces, tabs or commas', () => {
    const { entries, problems } = parseUrlList(
      [
        'https://a.example/1 https://a.example/2\thttps://a.example/3',
        'https://b.example/1,https://b.example/2, https://b.example/3 ,https://b.example/4',
        'https://c.example/list?ids=1,2,3',
        'https://d.example/my file.iso',
        '"https://e.example/quoted", <https://e.example/angled>',
      ].join('\n'),
    )
    expect(problems).toEqual([])
    expect(entries.map((e) => [e.line, e.request.url])).toEqual([
      [1, 'https://a.example/1'],
      [1, 'https://a.example/2'],
      [1, 'https://a.example/3'],
      [2, 'https://b.example/1'],
      [2, 'https://b.example/2'],
      [2, 'https://b.example/3'],
      [2, 'https://b.example/4'],
      [3, 'https://c.example/list?ids=1,2,3'],
      [4, 'https://d.example/my file.iso'],
      [5, 'https://e.example/quoted'],
      [5, '<https://e.example/angled>'],
    ])
  })

  it('applies indented options to the URL above them', () => {
    const text = [
      'https://a.example/x.iso',
      '  out=renamed.iso',
      '\tchecksum=SHA-256=' + 'F'.repeat(64),
      '  header=Cookie: session=abc',
      '  # comments do not end the option block',
      '  header=Referer: https://a.example/',
      'https://b.example/y',
      ' o=short.bin',
      'https://c.example/1 https://c.example/2',
      `  checksum=md5=${md5}`,
    ].join('\n')
    const { entries, problems } = parseUrlList(text)
    expect(problems).toEqual([])
    expect(entries).toEqual([
      {
        line: 1,
        request: {
          url: 'https://a.example/x.iso',
          name: 'renamed.iso',
          checksum: { algorithm: 'sha-256', hex: 'f'.repeat(64) },
          headers: { Cookie: 'session=abc', Referer: 'https://a.example/' },
        },
      },
      { line: 7, request: { url: 'https://b.example/y', name: 'short.bin' } },
      {
        line: 9,
        request: { url: 'https://c.example/1', checksum: { algorithm: 'md5', hex: md5 } },
      },
      {
        line: 9,
        request: { url: 'https://c.example/2', checksum: { algorithm: 'md5', hex: md5 } },
      },
    ])
  })

  it('mirror= lines are other sources of the one file above them, in their order', () => {
    const text = [
      'https://a.example/x.iso',
      '  mirror=https://b.example/x.iso',
      '  out=x.iso',
      '  mirror=http://c.example/pub/x.iso',
      'https://a.example/1 https://a.example/2',
      '  mirror=https://b.example/1',
    ].join('\n')
    const { entries, problems } = parseUrlList(text)
    expect(entries).toEqual([
      {
        line: 1,
        request: {
          url: 'https://a.example/x.iso',
          name: 'x.iso',
          mirrors: ['https://b.example/x.iso', 'http://c.example/pub/x.iso'],
        },
      },
    ])
    expect(problems).toEqual([
      {
        line: 6,
        message:
          'mirror= names another source of one file but its line holds 2 URLs; the 2 URLs on line 5 are not downloaded',
      },
    ])
  })

  it.each([
    ['  bogus=1', /^unknown option "bogus"/],
    ['  noequals', /^expected NAME=VALUE/],
    ['  =value', /^expected NAME=VALUE/],
    ['  out=dir/name', /^out= must be a file name, not a path/],
    ['  out=..\\evil', /^out= must be a file name, not a path/],
    ['  out=../x', /^out= must be a file name, not a path/],
    ['  out=..', /^out= must be a file name, not dots alone/],
    ['  out=...', /^out= must be a file name, not dots alone/],
    ['  out=', /^out= a file name cannot be empty/],
    ['  checksum=md5=abc', /^checksum= md5 digest must be 32 hex digits, got 3/],
    [
      '  checksum=sha-256=' + 'a'.repeat(63),
      /^checksum= sha-256 digest must be 64 hex digits, got 63/,
    ],
    ['  checksum=sha-512=' + 'a'.repeat(128), /^checksum= must be ALGO=HEX/],
    ['  header=NoColon', /^header= must be "Name: value"/],
    [
      '  header=Transfer-Encoding: chunked',
      /^header= Transfer-Encoding cannot be set: it is a hop-by-hop header/,
    ],
    ['  header=X-A: a\u001b]0;title\u0007', /^header= the value of X-A holds a control character/],
    ['  mirror=ftp://m.example/x', /^mirror= unsupported scheme "ftp"/],
    ['  mirror=not a url', /^mirror= not a URL/],
  ])(
    'a URL whose option line %j is bad is not downloaded; the problem names that line',
    (option, reason) => {
      const text = [
        'https://ok.example/before',
        'https://a.example/x',
        '  out=kept.bin',
        option,
        'https://ok.example/after',
      ].join('\n')
      const { entries, problems } = parseUrlList(text)
      expect(entries.map((e) => e.request.url)).toEqual([
        'https://ok.example/before',
        'https://ok.example/after',
      ])
      expect(problems).toHaveLength(1)
      expect(problems[0]!.line).toBe(4)
      expect(problems[0]!.message).toMatch(reason)
      expect(problems[0]!.message).toMatch(/; the URL on line 2 is not downloaded$/)
    },
  )

  it('out= on a line of several URLs refuses them all', () => {
    const { entries, problems } = parseUrlList(
      'https://a.example/1 https://a.example/2\n  out=x.bin',
    )
    expect(entries).toEqual([])
    expect(problems).toEqual([
      {
        line: 2,
        message:
          'out= names one file but its line holds 2 URLs; the 2 URLs on line 1 are not downloaded',
      },
    ])
  })

  it('reports an option before any URL', () => {
    const { entries, problems } = parseUrlList('  out=x.bin\nhttps://a.example/')
    expect(entries).toEqual([{ line: 2, request: { url: 'https://a.example/' } }])
    expect(problems).toEqual([
      { line: 1, message: 'option line "out=x.bin" does not follow a URL' },
    ])
  })

  it('rejects file:, javascript:, data: and other non-http lines with their line number', () => {
    const text = [
      'https://ok.example/1',
      'file:///etc/passwd',
      '  out=passwd',
      'javascript:alert(1)',
      'data:text/plain,hi',
      'ftp://ftp.example/x',
      'not a url at all',
      'https://',
      'https://ok.example/2',
    ].join('\n')
    const { entries, problems } = parseUrlList(text)
    expect(entries.map((e) => [e.line, e.request.url])).toEqual([
      [1, 'https://ok.example/1'],
      [9, 'https://ok.example/2'],
    ])
    // The option under the refused file: URL is not applied to line 1, nor reported.
    expect(entries[0]!.request.name).toBeUndefined()
    expect(problems.map((p) => p.line)).toEqual([2, 4, 5, 6, 7, 8])
    expect(problems[0]!.message).toMatch(/unsupported scheme "file"/)
    expect(problems[1]!.message).toMatch(/unsupported scheme "javascript"/)
    expect(problems[2]!.message).toMatch(/unsupported scheme "data"/)
    expect(problems[4]!.message).toBe('not a URL: "not a url at all"')
  })

  it('a line of several URLs names each piece that is not one and keeps the rest', () => {
    const { entries, problems } = parseUrlList(
      'https://a.example/1 javascript:x https://a.example/2',
    )
    expect(entries.map((e) => e.request.url)).toEqual([
      'https://a.example/1',
      'https://a.example/2',
    ])
    expect(problems).toHaveLength(1)
    expect(problems[0]!.message).toMatch(/unsupported scheme "javascript"/)
  })

  it('the same URL twice is kept once; the later line is recorded as merged', () => {
    const text = [
      'https://a.example/x',
      'https://b.example/y',
      'HTTPS://A.EXAMPLE:443/x#part',
      '  out=other.bin',
      'https://b.example/y',
    ].join('\n')
    const { entries, duplicates, problems } = parseUrlList(text)
    expect(problems).toEqual([])
    expect(entries.map((e) => e.line)).toEqual([1, 2])
    expect(duplicates).toEqual([
      { line: 3, firstLine: 1, url: 'HTTPS://A.EXAMPLE:443/x#part', optionsIgnored: true },
      { line: 5, firstLine: 2, url: 'https://b.example/y', optionsIgnored: false },
    ])
  })

  it('two different URLs whose hashes collide are both kept; a repeat of either is merged', () => {
    // Found by search: the reader keeps a hash per URL, not the URL, and must confirm a match.
    const [a, b] = ['https://example.com/f48199', 'https://example.com/f798066']
    expect(hashOf(a)).toBe(hashOf(b))
    const { entries, duplicates, problems } = parseUrlList(
      [a, `${b} https://example.com/other ${b}`, `${b}, ${a}`].join('\n'),
    )
    expect(problems).toEqual([])
    expect(entries.map((e) => [e.line, e.request.url])).toEqual([
      [1, a],
      [2, b],
      [2, 'https://example.com/other'],
    ])
    expect(duplicates.map((d) => [d.line, d.firstLine, d.url])).toEqual([
      [2, 2, b],
      [3, 2, b],
      [3, 1, a],
    ])
  })

  it('lines whose bytes were not UTF-8 are refused, and so is the URL above a bad option line', () => {
    const text = [
      'https://a.example/\ufffd',
      'https://b.example/',
      '  out=\ufffd.bin',
      'https://c.example/',
    ].join('\n')
    const { entries, problems } = parseUrlList(text, { invalidLines: new Set([1, 3]) })
    expect(entries.map((e) => e.line)).toEqual([4])
    expect(problems).toEqual([
      { line: 1, message: 'holds bytes that are not UTF-8 (save the list as UTF-8)' },
      {
        line: 3,
        message:
          'holds bytes that are not UTF-8 (save the list as UTF-8); the URL on line 2 is not downloaded',
      },
    ])
  })

  it('an empty list has nothing in it', () => {
    expect(parseUrlList('')).toEqual({ entries: [], problems: [], duplicates: [] })
    expect(parseUrlList('\uFEFF\n\r\n# only a comment\r')).toEqual({
      entries: [],
      problems: [],
      duplicates: [],
    })
  })

  it('10,000 lines: every URL back once, every bad line named', () => {
    const lines: string[] = []
    for (let i = 0; i < 10_000; i++)
      lines.push(i % 10 === 9 ? `bad line ${i}` : `https://host${i % 7}.example/file-${i}.bin`)
    const { entries, problems, duplicates } = parseUrlList(lines.join('\n'))
    expect(entries).toHaveLength(9_000)
    expect(problems).toHaveLength(1_000)
    expect(problems.every((p) => p.line % 10 === 0)).toBe(true)
    expect(duplicates).toEqual([])
  })

  const validUrl = fc
    .tuple(
      fc.constantFrom('http', 'https', 'HTTPS'),
      fc.domain(),
      fc.constantFrom('', ':8080'),
      fc.array(fc.stringMatching(/^[A-Za-z0-9._~%!$&'()*+;=:@-]{0,10}$/), { maxLength: 4 }),
      fc.constantFrom('', '?a=1&b=%20', '#frag', '?q=#x', '?next=https://e/#h', '?ids=1,2'),
    )
    .map(
      ([scheme, host, port, path, suffix]) =>
        `${scheme}://${host}${port}/${path.join('/')}${suffix}`,
    )

  it('property: no input makes it throw, and every entry it returns is a URL from the text', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.string(),
            validUrl,
            fc.constantFrom('  out=a', '  checksum=md5=' + md5, '# c', ''),
          ),
          {
            maxLength: 20,
          },
        ),
        fc.constantFrom('\n', '\r\n', '\r', ' ', ', '),
        (pieces, separator) => {
          const text = pieces.join(separator)
          const { entries, problems } = parseUrlList(text)
          for (const entry of entries)
            expect(text).toContain(entry.request.url.replace(/^<|>$/g, ''))
          for (const problem of problems) expect(problem.line).toBeGreaterThan(0)
        },
      ),
    )
  })

  it('property: valid URLs among blank and comment lines each come back once, in order, with their line numbers', () => {
    const filler = fc.constantFrom(
      '',
      '   ',
      '\t',
      '# comment',
      '  # indented comment',
      '#https://not.a/download',
    )
    const item = fc.oneof(
      { weight: 2, arbitrary: validUrl.map((url) => ({ url })) },
      { weight: 3, arbitrary: filler.map((text) => ({ text })) },
    )
    fc.assert(
      fc.property(
        fc.array(item, { maxLength: 30 }),
        fc.constantFrom('\n', '\r\n', '\r'),
        fc.boolean(),
        (items, eol, bom) => {
          const lines = items.map((i) => ('url' in i ? i.url : i.text))
          const seen = new Set<string>()
          const expected = items.flatMap((i, index) => {
            if (!('url' in i)) return []
            const key = normalizeUrlKey(new URL(i.url))
            if (seen.has(key)) return []
            seen.add(key)
            return [{ line: index + 1, request: { url: i.url } }]
          })
          const { entries, problems, duplicates } = parseUrlList(
            (bom ? '\uFEFF' : '') + lines.join(eol),
          )
          expect(problems).toEqual([])
          expect(entries).toEqual(expected)
          expect(entries.length + duplicates.length).toBe(items.filter((i) => 'url' in i).length)
        },
      ),
    )
  })

  it('property: URLs separated by spaces and commas on one line all come back', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(validUrl, {
          minLength: 2,
          maxLength: 8,
          selector: (u) => normalizeUrlKey(new URL(u)),
        }),
        fc.constantFrom(' ', '\t', ', ', ',', ' , '),
        (urls, separator) => {
          // A comma glued to the next URL splits only before `scheme://`; every generated URL has one.
          const { entries, problems } = parseUrlList(urls.join(separator))
          expect(problems).toEqual([])
          expect(entries.map((e) => e.request.url)).toEqual(urls)
        },
      ),
    )
  })
  it('property: read a piece at a time, the pieces together are the whole list parsed at once', () => {
    const line = fc.oneof(
      validUrl,
      fc.constantFrom(
        'https://dup.example/a',
        'https://DUP.example/a#x',
        'https://b.example/1 https://b.example/2',
      ),
      fc.constantFrom(
        '  out=a.bin',
        '  out=../x',
        '  checksum=md5=' + md5,
        '  header=X: 1',
        '  bad',
      ),
      fc.constantFrom('# c', '', 'not a url', '\uFEFF'),
      fc.string({ maxLength: 12 }),
    )
    fc.assert(
      fc.property(
        fc.array(line, { maxLength: 40 }),
        fc.constantFrom('\n', '\r\n', '\r'),
        fc.boolean(),
        fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 10 }),
        fc.uniqueArray(fc.integer({ min: 1, max: 40 }), { maxLength: 3 }),
        (lines, eol, bom, sizes, invalid) => {
          const text = (bom ? '\uFEFF' : '') + lines.join(eol)
          const options = { invalidLines: new Set(invalid) }
          const whole = parseUrlList(text, options)
          const reader = new UrlListReader(text, options)
          const joined = {
            entries: [] as unknown[],
            problems: [] as unknown[],
            duplicates: [] as unknown[],
          }
          for (let i = 0; !reader.done; i++) {
            const size = sizes[i % sizes.length]!
            const piece = reader.read(size)
            // A piece holds what was asked for unless the list ended.
            if (!piece.done) expect(piece.entries.length).toBeGreaterThanOrEqual(size)
            joined.entries.push(...piece.entries)
            joined.problems.push(...piece.problems)
            joined.duplicates.push(...piece.duplicates)
          }
          expect(joined).toEqual(whole)
          expect(reader.read(10)).toEqual({ entries: [], problems: [], duplicates: [], done: true })
        },
      ),
    )
  })
})
