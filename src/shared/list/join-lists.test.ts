import { describe, expect, it } from 'vitest'
import * as fc from 'fast-check'
import { extractHtmlLinks } from './extract-html-links.ts'
import { EMPTY_LIST, joinLists, linkLines, numberLinks } from './join-lists.ts'
import type { ParsedList } from './parsed-list.ts'
import { parseUrlList } from './parse-url-list.ts'

const byLine = (list: ParsedList): ParsedList => ({
  entries: list.entries,
  problems: [...list.problems].sort((a, b) => a.line - b.line),
  duplicates: [...list.duplicates].sort((a, b) => a.line - b.line),
})

/** Lines of a list as typed: URLs from a small pool (so repeats happen), blanks, bad words. */
const line = fc.oneof(
  fc.constantFrom('a', 'b', 'c', 'd').map((n) => `https://dl.example/${n}.bin`),
  fc.constantFrom('HTTPS://DL.EXAMPLE/a.bin', 'https://dl.example:443/b.bin#x'),
  fc.constantFrom('', 'not a link', 'javascript:alert(1)', '# a comment'),
)
const text = fc.array(line, { minLength: 1, maxLength: 12 }).map((lines) => lines.join('\n'))

describe('joinLists: two parsed lists as one, without reading either again', () => {
  it('is the answer of reading their texts joined', () => {
    fc.assert(
      fc.property(text, text, (a, b) => {
        const joined = joinLists(parseUrlList(a), parseUrlList(b), a.split('\n').length)
        expect(byLine(joined)).toEqual(byLine(parseUrlList(`${a}\n${b}`)))
      }),
    )
  })

  it('an empty second list changes nothing; an empty first shifts the second', () => {
    const list = parseUrlList('https://dl.example/a.bin\nhttps://dl.example/a.bin')
    expect(joinLists(list, EMPTY_LIST, 2)).toBe(list)
    expect(joinLists(EMPTY_LIST, list, 0)).toBe(list)
    expect(joinLists(EMPTY_LIST, list, 3).duplicates).toEqual([
      { line: 5, firstLine: 4, url: 'https://dl.example/a.bin', optionsIgnored: false },
    ])
  })
})

describe('numberLinks: a page’s links numbered as their text, one link a line, was', () => {
  const html = fc
    .array(
      fc.record({
        href: fc.constantFrom(
          'https://dl.example/a.bin',
          'https://dl.example/b.bin',
          'HTTPS://dl.example/a.bin',
          'mailto:x@y',
        ),
        newline: fc.boolean(),
      }),
      { maxLength: 10 },
    )
    .map((links) => links.map((l) => `<a href="${l.href}">x</a>${l.newline ? '\n' : ' '}`).join(''))

  it('gives the entries and repeats the old round trip (links → text → list) gave', () => {
    fc.assert(
      fc.property(html, (page) => {
        const links = extractHtmlLinks(page)
        const text = [
          ...links.entries.map((e) => e.request.url),
          ...links.duplicates.map((d) => d.url),
        ].join('\n')
        const numbered = numberLinks(links)
        expect(numbered).toEqual({ ...parseUrlList(text), problems: [] })
        expect(linkLines(numbered)).toBe(text === '' ? 0 : text.split('\n').length)
      }),
    )
  })

  it('two links on one line of the page are two lines', () => {
    const links = numberLinks(
      extractHtmlLinks(
        '<a href="https://a/1">1</a> <a href="https://a/2">2</a> <a href="https://a/1">again</a>',
      ),
    )
    expect(links.entries.map((e) => e.line)).toEqual([1, 2])
    expect(links.duplicates).toEqual([
      { line: 3, firstLine: 1, url: 'https://a/1', optionsIgnored: false },
    ])
  })
})
