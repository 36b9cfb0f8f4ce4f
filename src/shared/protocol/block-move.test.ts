import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { applyBlockMove, planBlockMove, type MoveTarget } from './block-move.ts'

/** The order a person expects, written the slow, obvious way. */
function expected(order: string[], ids: string[], to: MoveTarget): string[] {
  const block = order.filter((id) => ids.includes(id))
  const rest = order.filter((id) => !ids.includes(id))
  const at =
    'position' in to
      ? Math.min(to.position, rest.length)
      : rest.indexOf('before' in to ? to.before : to.after) + ('after' in to ? 1 : 0)
  return [...rest.slice(0, at), ...block, ...rest.slice(at)]
}

const arbitraryMove = fc
  .uniqueArray(fc.integer({ min: 0, max: 60 }), { minLength: 2, maxLength: 30 })
  .chain((numbers) => {
    const order = numbers.map(String)
    return fc.record({
      order: fc.constant(order),
      ids: fc.shuffledSubarray(order, { minLength: 1, maxLength: order.length - 1 }),
      kind: fc.constantFrom('before', 'after', 'position'),
      pick: fc.nat(),
      position: fc.nat({ max: 40 }),
    })
  })
  .map(({ order, ids, kind, pick, position }) => {
    const rest = order.filter((id) => !ids.includes(id))
    const anchor = rest[pick % rest.length]!
    const to: MoveTarget =
      kind === 'position'
        ? { position }
        : kind === 'before'
          ? { before: anchor }
          : { after: anchor }
    return { order, ids, to }
  })

describe('planBlockMove', () => {
  it('gives the expected order, the block in queue order at its place; null exactly when nothing changes', () => {
    fc.assert(
      fc.property(arbitraryMove, ({ order, ids, to }) => {
        const want = expected(order, ids, to)
        const planned = planBlockMove(order, ids, to)
        expect(planned.order ?? order).toEqual(want)
        expect(planned.order === null).toBe(want.join() === order.join())
        expect(planned.moved.ids).toEqual(order.filter((id) => ids.includes(id)))
        expect(want.slice(planned.moved.position, planned.moved.position + ids.length)).toEqual(
          planned.moved.ids,
        )
      }),
    )
  })

  it('what it announces, applied to the old order by a client, gives the engine’s order', () => {
    fc.assert(
      fc.property(arbitraryMove, ({ order, ids, to }) => {
        const planned = planBlockMove(order, ids, to)
        expect(applyBlockMove(order, planned.moved)).toEqual(planned.order ?? order)
      }),
    )
  })

  it('moves a block of 100,000 in a queue of 200,000 (no argument spread)', () => {
    const order = Array.from({ length: 200_000 }, (_, i) => `d${i}`)
    const ids = order.filter((_, i) => i % 2 === 1)
    const planned = planBlockMove(order, ids, { position: 0 })
    expect(planned.order!.slice(0, 2)).toEqual(['d1', 'd3'])
    expect(planned.order!.at(-1)).toBe('d199998')
    expect(applyBlockMove(order, planned.moved)).toEqual(planned.order)
  })

  it.each([
    [[], { position: 0 }, 'DP_ERR_INVALID_ARGUMENT', 'nothing to move: the list of ids is empty'],
    [['a', 'a'], { position: 0 }, 'DP_ERR_INVALID_ARGUMENT', 'the id a is listed twice'],
    [
      ['a', 'b'],
      { after: 'b' },
      'DP_ERR_INVALID_ARGUMENT',
      'cannot move downloads next to b: it is one of the downloads being moved',
    ],
    [
      ['a'],
      { position: 1.5 },
      'DP_ERR_INVALID_ARGUMENT',
      'position must be a whole number >= 0, not 1.5',
    ],
    [['a', 'x'], { position: 0 }, 'DP_ERR_NOT_FOUND', 'no download with id x'],
    [['a'], { before: 'x' }, 'DP_ERR_NOT_FOUND', 'no download with id x (the target)'],
  ] as [string[], MoveTarget, string, string][])(
    'refuses %j to %j with its reason',
    (ids, to, code, message) => {
      expect(() => planBlockMove(['a', 'b', 'c'], ids, to)).toThrow(
        expect.objectContaining({ code, message }),
      )
    },
  )
})
