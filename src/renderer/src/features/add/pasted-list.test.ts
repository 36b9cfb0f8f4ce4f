import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseList } from '../../../../shared/list/parse-list.ts'
import { lineCount, takesPaste, withPasted, PASTE_LINES_IN_TEXTAREA } from './pasted-list.ts'

const urls = (n: number) => Array.from({ length: n }, (_, i) => `https://h.example/${i}.bin`)

describe('the pasted list', () => {
  it('takes a long paste, leaves a short one to the textarea', () => {
    expect(takesPaste(urls(10_000).join('\n'))).toBe(true)
    expect(takesPaste(urls(PASTE_LINES_IN_TEXTAREA + 1).join('\n'))).toBe(true)
    expect(takesPaste(urls(PASTE_LINES_IN_TEXTAREA).join('\n'))).toBe(false)
    expect(takesPaste('https://h.example/one')).toBe(false)
    expect(takesPaste(`https://h.example/${'x'.repeat(30_000)}`)).toBe(true)
  })

  it('counts lines as the list reader does', () => {
    expect(lineCount('')).toBe(0)
    expect(lineCount('a')).toBe(1)
    expect(lineCount('a\n')).toBe(1)
    expect(lineCount('a\r\nb')).toBe(2)
    expect(lineCount(urls(10_000).join('\n'))).toBe(10_000)
  })

  it('property: the preview of pasted lists and typed text finds every URL of each, pasted first', () => {
    const list = fc
      .array(fc.nat({ max: 999 }), { maxLength: 20 })
      .map((ns) => ns.map((n) => `https://h.example/${n}`))
    const text = (lines: string[], endNewline: boolean) =>
      lines.join('\n') + (endNewline && lines.length > 0 ? '\n' : '')
    fc.assert(
      fc.property(
        fc.array(fc.tuple(list, fc.boolean()), { maxLength: 3 }),
        list,
        (pastes, typed) => {
          const pasted = pastes.map(([l, nl]) => text(l, nl)).filter((p) => p !== '')
          const urlsOf = (t: string) => parseList(t, 'list').entries.map((e) => e.request.url)
          const all = urlsOf(withPasted(pasted, typed.join('\n')))
          expect(all).toEqual(urlsOf([...pasted.map((p) => p.trimEnd()), ...typed].join('\n')))
        },
      ),
    )
  })
})
