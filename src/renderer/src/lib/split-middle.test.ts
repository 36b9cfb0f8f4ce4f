import { describe, expect, it } from 'vitest'
import * as fc from 'fast-check'
import { splitMiddle } from './split-middle.ts'

describe('splitMiddle: a path or URL cut where its middle may give way', () => {
  it('keeps the last segment whole: the folder or the file name', () => {
    expect(splitMiddle('/home/me/Downloads')).toEqual({ head: '/home/me/', tail: 'Downloads' })
    expect(splitMiddle('/home/me/Downloads/')).toEqual({ head: '/home/me/', tail: 'Downloads/' })
    expect(splitMiddle('https://dl.example/a/b/report.pdf')).toEqual({
      head: 'https://dl.example/a/b/',
      tail: 'report.pdf',
    })
  })

  it('a long last segment, or none: its last characters', () => {
    const long = `/data/${'x'.repeat(40)}.iso`
    expect(splitMiddle(long).tail).toHaveLength(28)
    expect(splitMiddle('C:relative-name')).toEqual({ head: 'C:relati', tail: 've-name' })
  })

  it('head + tail is always the whole text, and the tail never exceeds 28 characters', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', '/', 'é', ':', '.') }), (text) => {
        const { head, tail } = splitMiddle(text)
        expect(head + tail).toBe(text)
        expect(tail.length).toBeLessThanOrEqual(28)
      }),
    )
  })
})
