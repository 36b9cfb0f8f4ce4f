import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseHeader, parseInputFile } from './input-file.ts'

const md5 = 'a'.repeat(32)

describe('parseInputFile', () => {
  it('reads one URL per line, skipping blank lines and comments', () => {
    const text = [
      '# my downloads',
      '',
      'https://a.example/one.iso',
      '   ',
      '  # an indented comment',
      'http://b.example/two',
    ].join('\n')
    expect(parseInputFile(text)).toEqual({
      entries: [
        { line: 3, request: { url: 'https://a.example/one.iso' } },
        { line: 6, request: { url: 'http://b.example/two' } },
      ],
      problems: [],
    })
  })

  it('handles a BOM, CRLF line ends, surrounding spaces and a missing final newline', () => {
    const { entries, problems } = parseInputFile(
      '\uFEFFhttps://a.example/x\r\n\r\nhttps://b.example/y  \r\n',
    )
    expect(problems).toEqual([])
    expect(entries).toEqual([
      { line: 1, request: { url: 'https://a.example/x' } },
      { line: 3, request: { url: 'https://b.example/y' } },
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
    ].join('\n')
    const { entries, problems } = parseInputFile(text)
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
    ])
  })

  it('reports bad option lines by number and keeps the good options', () => {
    const text = [
      'https://a.example/x',
      '  bogus=1',
      '  noequals',
      '  =value',
      '  out=dir/name',
      '  out=..\\evil',
      '  out=',
      '  checksum=md5=abc',
      '  checksum=sha-512=' + 'a'.repeat(128),
      '  header=no colon here',
      '  out=kept.bin',
      `  checksum=md5=${md5}`,
    ].join('\n')
    const { entries, problems } = parseInputFile(text)
    expect(entries).toEqual([
      {
        line: 1,
        request: {
          url: 'https://a.example/x',
          name: 'kept.bin',
          checksum: { algorithm: 'md5', hex: md5 },
        },
      },
    ])
    expect(problems.map((p) => p.line)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10])
    expect(problems[0]!.message).toMatch(/unknown option "bogus"/)
    expect(problems[1]!.message).toMatch(/expected NAME=VALUE/)
    expect(problems[3]!.message).toMatch(/out= must be a file name/)
    expect(problems[6]!.message).toMatch(/checksum= must be ALGO=HEX/)
    expect(problems[8]!.message).toMatch(/header= must be "Name: value"/)
  })

  it('reports an option before any URL', () => {
    const { entries, problems } = parseInputFile('  out=x.bin\nhttps://a.example/')
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
      'not a url',
      'https://',
      'https://ok.example/2',
    ].join('\n')
    const { entries, problems } = parseInputFile(text)
    expect(entries.map((e) => [e.line, e.request.url])).toEqual([
      [1, 'https://ok.example/1'],
      [9, 'https://ok.example/2'],
    ])
    // The option under the rejected file: URL is ignored: neither applied to line 1 nor reported.
    expect(entries[0]!.request.name).toBeUndefined()
    expect(problems.map((p) => p.line)).toEqual([2, 4, 5, 6, 7, 8])
    expect(problems[0]!.message).toMatch(/unsupported scheme "file"/)
    expect(problems[1]!.message).toMatch(/unsupported scheme "javascript"/)
    expect(problems[2]!.message).toMatch(/unsupported scheme "data"/)
    expect(problems[4]!.message).toMatch(/not a URL/)
  })

  it('options after an invalid URL stay ignored until the next valid URL', () => {
    const text = ['not a url', '  out=a', '', '  bogus', 'https://ok.example/', '  out=b'].join(
      '\n',
    )
    expect(parseInputFile(text)).toEqual({
      entries: [{ line: 5, request: { url: 'https://ok.example/', name: 'b' } }],
      problems: [{ line: 1, message: 'not a URL: "not a url"' }],
    })
  })

  it('an empty file has nothing in it', () => {
    expect(parseInputFile('')).toEqual({ entries: [], problems: [] })
    expect(parseInputFile('\uFEFF\n\n# only a comment\n')).toEqual({ entries: [], problems: [] })
  })

  it('property: valid URLs between blank and comment lines all come back, in order, with their line numbers', () => {
    const filler = fc.constantFrom(
      '',
      '   ',
      '\t',
      '# comment',
      '  # indented comment',
      '#https://not.a/download',
    )
    const item = fc.oneof(
      {
        weight: 2,
        arbitrary: fc
          .tuple(
            fc.constantFrom('http', 'https', 'HTTPS'),
            fc.domain(),
            fc.constantFrom('', ':8080'),
            fc.array(fc.stringMatching(/^[A-Za-z0-9._~%!$&'()*+,;=:@-]{0,10}$/), { maxLength: 4 }),
            fc.constantFrom('', '?a=1&b=%20', '#frag', '?q=#x', '?next=https://e/#h'),
          )
          .map(([scheme, host, port, path, suffix]) => ({
            url: `${scheme}://${host}${port}/${path.join('/')}${suffix}`,
          })),
      },
      { weight: 3, arbitrary: filler.map((text) => ({ text })) },
    )
    fc.assert(
      fc.property(
        fc.array(item, { maxLength: 30 }),
        fc.constantFrom('\n', '\r\n'),
        fc.boolean(),
        (items, eol, bom) => {
          const lines = items.map((i) => ('url' in i ? i.url : i.text))
          const expected = items.flatMap((i, index) =>
            'url' in i ? [{ line: index + 1, request: { url: i.url } }] : [],
          )
          const { entries, problems } = parseInputFile((bom ? '\uFEFF' : '') + lines.join(eol))
          expect(problems).toEqual([])
          expect(entries).toEqual(expected)
        },
      ),
    )
  })
})

describe('parseHeader', () => {
  it('splits "Name: value"', () => {
    expect(parseHeader('Cookie: a=b; c=d')).toEqual(['Cookie', 'a=b; c=d'])
    expect(parseHeader('X-Empty:')).toEqual(['X-Empty', ''])
    expect(parseHeader('Accept :  */*')).toEqual(['Accept', '*/*'])
  })

  it.each([
    'no colon',
    ': value',
    'Bad Name: x',
    'X: a\r\nInjected: 1',
    'X: a\nb',
    'X: a\u0000b',
    'Ünïcode: x',
  ])('rejects %j', (text) => {
    expect(parseHeader(text)).toBeNull()
  })
})
