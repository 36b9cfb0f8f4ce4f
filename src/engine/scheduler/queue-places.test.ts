import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { DOWNLOAD_STATES, type DownloadState } from '../../shared/protocol/model.ts'
import { QueuePlaces } from './queue-places.ts'

describe('QueuePlaces', () => {
  it('has room for every state in its packing', () => {
    expect(DOWNLOAD_STATES.length).toBeLessThanOrEqual(16)
  })

  it('property: positions and announced states are what a Map of each would hold, through adds, announcements, removals and renumbering', () => {
    const state = fc.constantFrom(...DOWNLOAD_STATES)
    const op = fc.oneof(
      fc.record({ kind: fc.constant('add' as const), state }),
      fc.record({ kind: fc.constant('announce' as const), at: fc.nat(), state }),
      fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('renumber' as const), seed: fc.nat() }),
    )
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
        const places = new QueuePlaces()
        const positions = new Map<string, number>()
        const states = new Map<string, DownloadState>()
        let next = 0
        let ids = 0
        const nth = (at: number) => [...positions.keys()][at % Math.max(1, positions.size)]
        for (const o of ops) {
          if (o.kind === 'add') {
            const id = `d${ids++}`
            places.add(id, o.state)
            positions.set(id, next++)
            states.set(id, o.state)
          } else if (o.kind === 'announce') {
            const id = nth(o.at) ?? 'unknown'
            places.announce(id, o.state)
            if (states.has(id)) states.set(id, o.state)
          } else if (o.kind === 'delete') {
            const id = nth(o.at)
            if (id === undefined) continue
            places.delete(id)
            positions.delete(id)
            states.delete(id)
          } else {
            // A move: any new order of the queue.
            const order = [...positions.keys()].sort(
              (a, b) =>
                ((a.length * 31 + o.seed) % 7) - ((b.length * 17 + o.seed) % 5) || (a < b ? -1 : 1),
            )
            places.renumber(order)
            next = 0
            for (const id of order) positions.set(id, next++)
          }
          for (const id of [...positions.keys(), 'unknown']) {
            expect(places.position(id)).toBe(positions.get(id))
            expect(places.announced(id)).toBe(states.get(id))
          }
        }
      }),
    )
  })
})
