import { beforeEach, describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { makeSnapshot } from '../../../../test/make-snapshot.ts'
import type { DownloadSnapshot, DownloadState } from '../../../shared/protocol/model.ts'
import { DEFAULT_SETTINGS } from '../../../shared/protocol/default-settings.ts'
import { resetAppStore, useAppStore } from './app-store.ts'
import { applyAdded, applyChanged, applySnapshot } from './download-actions.ts'
import {
  FILTERS,
  deriveView,
  initialView,
  updateView,
  viewWork,
  type EntryChange,
  type FilterKind,
} from './download-view.ts'

const STATES: DownloadState[] = [
  'queued',
  'probing',
  'downloading',
  'verifying',
  'retrying',
  'paused',
  'completed',
  'failed',
  'removed',
]

const make = (id: string, state: DownloadState, name = `${id}.bin`): DownloadSnapshot =>
  makeSnapshot({ id, name, url: `https://a.example/${name}`, state })

describe('updateView (a change of k downloads in O(k))', () => {
  it('gives the view a pass over the whole queue gives, for any queue, changes, filter and search', () => {
    const state = fc.constantFrom(...STATES)
    fc.assert(
      fc.property(
        fc.array(state, { minLength: 1, maxLength: 40 }),
        fc.array(
          fc.record({ at: fc.nat(), state, rename: fc.constantFrom(null, 'x.iso', 'y.bin') }),
          { maxLength: 12 },
        ),
        fc.constantFrom<FilterKind>(...FILTERS),
        fc.constantFrom('', 'x', '1', 'bin'),
        (states, edits, filter, search) => {
          const order = states.map((_, i) => `d${i}`)
          const byId: Record<string, DownloadSnapshot> = {}
          states.forEach((s, i) => (byId[`d${i}`] = make(`d${i}`, s)))
          const previous = deriveView(byId, order, filter, search, initialView)
          const changes: EntryChange[] = []
          for (const edit of edits) {
            const id = order[edit.at % order.length]!
            const before = byId[id]!
            const after = make(id, edit.state, edit.rename ?? before.name)
            changes.push({ before, after })
            byId[id] = after
          }
          const updated = updateView(byId, order, filter, search, previous, changes)
          const derived = deriveView(byId, order, filter, search, previous)
          expect(updated).not.toBeNull()
          expect(updated).toEqual(derived)
          // Queue places are worked out when asked (QueuePlaces): compared by what they say.
          expect(updated!.queuePosition.entries()).toEqual(derived.queuePosition.entries())
        },
      ),
      { numRuns: 500 },
    )
  })
})

describe('updateView with downloads appended (a part of an add)', () => {
  it('gives the view a pass over the whole queue gives, new downloads among the changes', () => {
    const state = fc.constantFrom(...STATES)
    fc.assert(
      fc.property(
        fc.array(state, { maxLength: 30 }),
        fc.array(state, { minLength: 1, maxLength: 12 }),
        // Edits of existing downloads or of new ones (a download named twice in one event).
        fc.array(fc.record({ at: fc.nat(), state, rename: fc.constantFrom(null, 'x.iso') }), {
          maxLength: 6,
        }),
        fc.constantFrom<FilterKind>(...FILTERS),
        fc.constantFrom('', 'x', '1', 'n'),
        (states, added, edits, filter, search) => {
          const order = states.map((_, i) => `d${i}`)
          const byId: Record<string, DownloadSnapshot> = {}
          states.forEach((s, i) => (byId[`d${i}`] = make(`d${i}`, s)))
          const previous = deriveView(byId, order, filter, search, initialView)
          const changes: EntryChange[] = []
          const fresh = added.map((_, i) => `n${i}`)
          added.forEach((s, i) => {
            const after = make(fresh[i]!, s)
            changes.push({ before: undefined, after })
            byId[fresh[i]!] = after
          })
          const grown = order.concat(fresh)
          for (const edit of edits) {
            const id = grown[edit.at % grown.length]!
            const before = byId[id]!
            const after = make(id, edit.state, edit.rename ?? before.name)
            changes.push({ before, after })
            byId[id] = after
          }
          const updated = updateView(byId, grown, filter, search, previous, changes, fresh.length)
          const derived = deriveView(byId, grown, filter, search, previous)
          expect(updated).not.toBeNull()
          expect(updated).toEqual(derived)
          expect(updated!.queuePosition.entries()).toEqual(derived.queuePosition.entries())
        },
      ),
      { numRuns: 500 },
    )
  })

  it('still derives the whole view for a new download it is not told was appended', () => {
    const byId = { d0: make('d0', 'queued') }
    const previous = deriveView(byId, ['d0'], 'all', '', initialView)
    const n0 = make('n0', 'queued')
    const changes = [{ before: undefined, after: n0 }]
    expect(updateView({ ...byId, n0 }, ['d0', 'n0'], 'all', '', previous, changes)).toBeNull()
  })
})

describe('a change event in the store', () => {
  const N = 2000
  beforeEach(() => {
    resetAppStore()
    applySnapshot({
      revision: 1,
      downloads: Array.from({ length: N }, (_, i) => make(`d${i}`, i < 100 ? 'probing' : 'queued')),
      settings: { ...DEFAULT_SETTINGS, defaultDir: '/downloads' },
    })
  })

  it('costs the downloads it names, not the queue (a start seen by 100 one-download events)', () => {
    const before = viewWork.visited
    for (let i = 0; i < 100; i++)
      applyChanged({
        revision: 2 + i,
        changes: [{ download: make(`d${i}`, 'downloading'), previousState: 'probing' }],
      })
    // 100 events of one download each: 100 downloads looked at, not 100 × 2,000.
    expect(viewWork.visited - before).toBe(100)
    expect(useAppStore.getState().view.counts.active).toBe(100)
  })

  it('costs the downloads an add names, not the queue (1,000 new ones in one part)', () => {
    const before = viewWork.visited
    const added = Array.from({ length: 1000 }, (_, i) => make(`n${i}`, 'queued'))
    applyAdded({ revision: 2, downloads: added })
    // 1,000 looked at, not the 3,000 of the queue (a whole derivation per part of an add).
    expect(viewWork.visited - before).toBe(1000)
    const view = useAppStore.getState().view
    expect(view.counts).toMatchObject({ all: N + 1000, queued: N - 100 + 1000, active: 100 })
    expect(view.visibleIds.length).toBe(N + 1000)
    expect(view.visibleIds.at(-1)).toBe('n999')
    expect(view.queuePosition.of('n0')).toBe(N - 100 + 1)
  })

  it('works queue places out once, when asked, however many events moved them', () => {
    const placeBefore = useAppStore.getState().view.queuePosition.of('d101')
    const before = viewWork.visited
    // 100 starts, one event each (as the engine sends starts outside a command): each moves
    // every queued download's place.
    for (let i = 0; i < 100; i++)
      applyChanged({
        revision: 2 + i,
        changes: [{ download: make(`d${100 + i}`, 'probing'), previousState: 'queued' }],
      })
    expect(viewWork.visited - before).toBe(100)
    const view = useAppStore.getState().view
    expect(placeBefore).toBe(2)
    // The first question passes over the queue once; later ones read what it found.
    expect(view.queuePosition.of('d200')).toBe(1)
    expect(view.queuePosition.of('d201')).toBe(2)
    expect(view.queuePosition.of('d150')).toBeUndefined()
    expect(viewWork.visited - before).toBe(100 + N)
    expect(view.counts).toMatchObject({ all: N, active: 200, queued: N - 200 })
  })
})
