import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { planBlockMove } from '../../../../shared/protocol/block-move.ts'
import { planDrop, planStep, type QueueMove } from './plan-moves.ts'

/** The order after the engine runs the planned `moveMany` (the protocol's own plan). */
const run = (order: string[], move: QueueMove | null) =>
  move === null ? order : (planBlockMove(order, move.ids, move.to).order ?? order)

describe('planDrop', () => {
  it('moves one download before or after another with one moveMany', () => {
    const order = ['a', 'b', 'c', 'd']
    expect(planDrop(order, ['a'], 'c', 'after')).toEqual({ ids: ['a'], to: { after: 'c' } })
    expect(run(order, planDrop(order, ['d'], 'b', 'before'))).toEqual(['a', 'd', 'b', 'c'])
  })

  it('sends nothing for a drop that changes nothing', () => {
    expect(planDrop(['a', 'b', 'c'], ['b'], 'a', 'after')).toBeNull()
    expect(planDrop(['a', 'b', 'c'], ['b'], 'b', 'after')).toBeNull()
    expect(planDrop(['a', 'b', 'c', 'd'], ['b', 'c'], 'd', 'before')).toBeNull()
    expect(planDrop(['a', 'b', 'c'], ['b'], 'gone', 'after')).toBeNull()
  })

  it('puts several selected downloads together in queue order, in one call', () => {
    const order = ['a', 'b', 'c', 'd', 'e']
    const move = planDrop(order, ['d', 'a'], 'c', 'before')
    expect(move).toEqual({ ids: ['d', 'a'], to: { before: 'c' } })
    expect(run(order, move)).toEqual(['b', 'a', 'd', 'c', 'e'])
  })

  it('leaves out dragged downloads removed meanwhile', () => {
    expect(planDrop(['a', 'b', 'c'], ['gone', 'a'], 'c', 'after')).toEqual({
      ids: ['a'],
      to: { after: 'c' },
    })
  })

  it('gives the order a person expects, and a call only when something changes', () => {
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
          const move = planDrop(order, dragged, target, after ? 'after' : 'before')
          expect(run(order, move)).toEqual(expected)
          expect(move === null).toBe(expected.join() === order.join())
        },
      ),
    )
  })
})

describe('planStep (Alt+Up / Alt+Down)', () => {
  const order = ['a', 'b', 'c', 'd', 'e']

  it('moves a run of selected rows one row down or up', () => {
    expect(run(order, planStep(order, order, ['b', 'c'], 1))).toEqual(['a', 'd', 'b', 'c', 'e'])
    expect(run(order, planStep(order, order, ['c', 'b'], -1))).toEqual(['b', 'c', 'a', 'd', 'e'])
    expect(planStep(order, order, ['b', 'c'], 1)).toEqual({ ids: ['b', 'c'], to: { after: 'd' } })
  })

  it('does nothing at the ends of the list', () => {
    expect(planStep(order, order, ['d', 'e'], 1)).toBeNull()
    expect(planStep(order, order, ['a'], -1)).toBeNull()
  })

  it('gathers a scattered selection past the neighbour of its last (or first) row', () => {
    expect(run(order, planStep(order, order, ['b', 'd'], 1))).toEqual(['a', 'c', 'e', 'b', 'd'])
    expect(run(order, planStep(order, order, ['b', 'd'], -1))).toEqual(['b', 'd', 'a', 'c', 'e'])
  })

  it('passes the next shown row with a filter on, the hidden rows between staying put', () => {
    // c is hidden: b steps past d, the next shown row.
    expect(run(order, planStep(order, ['a', 'b', 'd', 'e'], ['b'], 1))).toEqual([
      'a',
      'c',
      'd',
      'b',
      'e',
    ])
    expect(planStep(order, ['a', 'b'], ['x'], 1)).toBeNull()
  })
})
