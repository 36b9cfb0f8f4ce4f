import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { WaitingQueue } from './waiting-queue.ts'

describe('WaitingQueue.renumber', () => {
  it('pops in the new order, drops the ids without a position and keeps the per-host counts', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.nat({ max: 500 }), { minLength: 1, maxLength: 60 }),
        fc.func(fc.option(fc.nat({ max: 1000 }), { nil: undefined })),
        (positions, newPosition) => {
          const queue = new WaitingQueue()
          positions.forEach((position, i) =>
            queue.push({ id: `d${i}`, position, host: `h${i % 3}` }),
          )
          const next = new Map(positions.map((_, i) => [`d${i}`, newPosition(`d${i}`)]))
          queue.renumber((id) => next.get(id))
          const kept = [...next].filter(([, p]) => p !== undefined) as [string, number][]
          expect(queue.size).toBe(kept.length)
          for (let h = 0; h < 3; h++)
            expect(queue.entriesFor(`h${h}`)).toBe(
              kept.filter(([id]) => Number(id.slice(1)) % 3 === h).length,
            )
          for (const [id, p] of next) expect(queue.has(id)).toBe(p !== undefined)
          const popped: number[] = []
          for (let e = queue.pop(); e; e = queue.pop()) {
            expect(e.position).toBe(next.get(e.id))
            popped.push(e.position)
          }
          expect(popped).toEqual(kept.map(([, p]) => p).sort((a, b) => a - b))
          expect(queue.hosts).toBe(0)
        },
      ),
    )
  })
})
