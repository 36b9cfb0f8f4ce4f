import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { extractHtmlLinks } from './extract-html-links.ts'
import { guessListFormat, parseList } from './parse-list.ts'

describe('extractHtmlLinks', () => {
  it('takes the hrefs of links and areas in document order, with their lines', () => {
    const html = [
      '<!doctype html><html><body>',
      '<p><a href="https://a.example/1.iso">one</a> <A HREF=\'https://a.example/2.iso\'>two</A>',
      '<a class=x href=https://a.example/3.iso>three</a>',
      '<map><area shape=rect href="https://a.example/4.iso"></map>',
      '<a href="https://a.example/q?x=1&amp;y=2&lt=3">four</a>',
      '<a name="no-href">anchor</a>',
      '</body></html>',
    ].join('\n')
    const { entries, problems } = extractHtmlLinks(html)
    expect(problems).toEqual([])
    expect(entries).toEqual([
      { line: 2, request: { url: 'https://a.example/1.iso' } },
      { line: 2, request: { url: 'https://a.example/2.iso' } },
      { line: 3, request: { url: 'https://a.example/3.iso' } },
      { line: 4, request: { url: 'https://a.example/4.iso' } },
      { line: 5, request: { url: 'https://a.example/q?x=1&y=2&lt=3' } },
    ])
  })

  it('resolves relative links against <base href>; without one they are problems', () => {
    expect(
      extractHtmlLinks(
        '<base href="https://b.example/dir/"><a href="f.bin">f</a><a href="/g.bin">g</a>',
      ).entries.map((e) => e.request.url),
    ).toEqual(['https://b.example/dir/f.bin', 'https://b.example/g.bin'])
    expect(extractHtmlLinks('<a href="f.bin">f</a>').problems).toEqual([
      { line: 1, message: 'relative link without a base URL: "f.bin"' },
    ])
  })

  it('names links that cannot be downloaded; skips fragments, comments and scripts', () => {
    const html = [
      '<a href="#top">top</a>',
      '<a href="mailto:me@example.com">mail</a>',
      '<a href="javascript:alert(1)">x</a>',
      '<!-- <a href="https://commented.example/">no</a> -->',
      '<script>document.write(\'<a href="https://scripted.example/">\')</script>',
      '<a href="https://a.example/ok">ok</a><a href="https://A.example/ok#again">dup</a>',
    ].join('\n')
    const { entries, problems, duplicates } = extractHtmlLinks(html)
    expect(entries).toEqual([{ line: 6, request: { url: 'https://a.example/ok' } }])
    expect(duplicates).toEqual([
      { line: 6, firstLine: 6, url: 'https://A.example/ok#again', optionsIgnored: false },
    ])
    expect(problems.map((p) => [p.line, p.message.slice(0, 32)])).toEqual([
      [2, 'unsupported scheme "mailto" (onl'],
      [3, 'unsupported scheme "javascript" '],
    ])
  })

  it('property: never throws, and each link written into a page comes back', () => {
    const url = fc.webUrl({ validSchemes: ['http', 'https'] })
    fc.assert(
      fc.property(
        fc.string(),
        fc.array(url, { maxLength: 5 }),
        fc.string(),
        (before, urls, after) => {
          extractHtmlLinks(before + after) // arbitrary text: must not throw
          const page = `<p>${urls.map((u) => `<a href="${u.replace(/&/g, '&amp;').replace(/"/g, '&quot;')}">x</a>`).join('\n')}</p>`
          const { entries, duplicates } = extractHtmlLinks(page)
          expect(entries.length + duplicates.length).toBe(urls.length)
          expect(
            new Set(
              [...entries, ...duplicates.map((d) => ({ request: { url: d.url } }))].map(
                (e) => e.request.url,
              ),
            ),
          ).toEqual(new Set(urls))
        },
      ),
    )
  })
})

describe('guessListFormat / parseList', () => {
  it('reads HTML as links and anything else as a URL list', () => {
    expect(guessListFormat('<a href="https://x/">x</a>')).toBe('html')
    expect(guessListFormat('<!DOCTYPE html><html>')).toBe('html')
    expect(guessListFormat('https://x/ https://y/', 'text/html; charset=utf-8')).toBe('html')
    expect(guessListFormat('https://x/\n# comment\n', 'text/uri-list')).toBe('list')
    expect(guessListFormat('https://x/a, https://x/b')).toBe('list')
    expect(parseList('see https://x/a and', 'list').problems).toHaveLength(1)
    expect(parseList('<a href="https://x/a">a</a>', 'html').entries).toHaveLength(1)
  })
})
