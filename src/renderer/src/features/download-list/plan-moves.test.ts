import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { applyMove, planMoves } from './plan-moves.ts'

const replay = (order: string[], moves: ReturnType<typeof planMoves>) =>
  moves.reduce<string[]>((o, m) => applyMove(o, m), order)

describe('planMoves', () => {
  it('moves one download before or after another with one call', () => {
    const order = ['a', 'b', 'c', 'd']
    expect(planMoves(order, ['a'], 'c', 'after')).toEqual([{ id: 'a', position: 2 }])
    expect(replay(order, planMoves(order, ['d'], 'b', 'before'))).toEqual(['a', 'd', 'b', 'c'])
  })

  it('sends nothing for a drop that changes nothing', () => {
    expect(planMoves(['a', 'b', 'c'], ['b'], 'a', 'after')).toEqual([])
    expect(planMoves(['a', 'b', 'c'], ['b'], 'b', 'after')).toEqual([])
  })

  it('puts several selected downloads together in queue order', () => {
    const order = ['a', 'b', 'c', 'd', 'e']
    expect(replay(order, planMoves(order, ['d', 'a'], 'c', 'before'))).toEqual([
      'b',
      'a',
      'd',
      'c',
      'e',
    ])
  })

  it('gives the order a person expects, with at most one call per dragged download', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 40 }), { minLength: 2, maxLength: 20 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 6 }),
        fc.nat(),
        fc.boolean(),
        (numbers, picks, targetPick, after) => {
          const order = numbers.map(String)
          const dragged = [...new Set(picks.map((p) => order[p % order.length]!))]
          const rest = order.filter((id) => !dragged.includes(id))
          fc.pre(rest.length > 0)
          const target = rest[targetPick % rest.length]!
          const block = order.filter((id) => dragged.includes(id))
          const at = rest.indexOf(target) + (after ? 1 : 0)
          const expected = [...rest.slice(0, at), ...block, ...rest.slice(at)]
          const moves = planMoves(order, dragged, target, after ? 'after' : 'before')
          expect(replay(order, moves)).toEqual(expected)
          expect(moves.length).toBeLessThanOrEqual(dragged.length)
        },
      ),
    )
  })
})
