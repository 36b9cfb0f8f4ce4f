import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { changeUriList } from './aria2-change-uri.ts'

const a = 'http://a.example/f'
const b = 'http://b.example/f'
const c = 'https://c.example/f'

describe("changeUri's list (aria2's rules)", () => {
  it('removes one occurrence per entry, then inserts at the position of what is left', () => {
    expect(changeUriList([a, b, a], [a], [c], 1)).toEqual({
      uris: [b, c, a],
      deleted: 1,
      added: 1,
    })
    expect(changeUriList([a, b, a], [a, a, a], [], null)).toEqual({
      uris: [b],
      deleted: 2,
      added: 0,
    })
    expect(changeUriList([a], [], [b, c], 99)).toEqual({ uris: [a, b, c], deleted: 0, added: 2 })
  })

  it('skips and does not count what is not an http/https URL', () => {
    expect(changeUriList([a], [], ['ftp://x.example/f', 'not a uri', b], 0)).toEqual({
      uris: [b, a],
      deleted: 0,
      added: 1,
    })
  })

  it('a URI given with its password matches the one shown without it', () => {
    const shown = 'http://u:***@a.example/f'
    expect(changeUriList([shown, b], ['http://u:secret@a.example/f'], [], null).deleted).toBe(1)
  })

  it('property: counts add up, and what was added is where it was asked', () => {
    const uri = fc.constantFrom(a, b, c, 'https://d.example/x')
    fc.assert(
      fc.property(
        fc.array(uri, { maxLength: 6 }),
        fc.array(uri, { maxLength: 6 }),
        fc.array(uri, { maxLength: 4 }),
        fc.option(fc.nat(8), { nil: null }),
        (current, del, add, position) => {
          const change = changeUriList(current, del, add, position)
          expect(change.deleted).toBeLessThanOrEqual(Math.min(del.length, current.length))
          expect(change.added).toBe(add.length)
          expect(change.uris).toHaveLength(current.length - change.deleted + add.length)
          const left = current.length - change.deleted
          const at = position === null ? left : Math.min(position, left)
          expect(change.uris.slice(at, at + add.length)).toEqual(add)
        },
      ),
      { numRuns: 200 },
    )
  })
})
