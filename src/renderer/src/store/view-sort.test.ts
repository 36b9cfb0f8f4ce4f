import { describe, expect, it } from 'vitest'
import type { DownloadSnapshot } from '../../../shared/protocol/model.ts'
import { nextSort, QUEUE_ORDER, sortIds, toSortSpec, ViewSorter } from './view-sort.ts'
import { makeSnapshot } from '../../../../test/make-snapshot.ts'

const download = (id: string, patch: Partial<DownloadSnapshot> = {}): DownloadSnapshot =>
  makeSnapshot({ id, ...patch })

const index = (list: DownloadSnapshot[]) => Object.fromEntries(list.map((d) => [d.id, d]))

describe('nextSort', () => {
  it('sorts, reverses, then returns to queue order', () => {
    const first = nextSort(QUEUE_ORDER, 'name')
    expect(first).toEqual({ column: 'name', direction: 'asc' })
    const second = nextSort(first, 'name')
    expect(second).toEqual({ column: 'name', direction: 'desc' })
    expect(nextSort(second, 'name')).toEqual(QUEUE_ORDER)
  })

  it('starts a figure with its largest first and moves to another column fresh', () => {
    expect(nextSort(QUEUE_ORDER, 'speed')).toEqual({ column: 'speed', direction: 'desc' })
    expect(nextSort({ column: 'name', direction: 'desc' }, 'size')).toEqual({
      column: 'size',
      direction: 'desc',
    })
  })

  it('reads an unknown column from the preferences as queue order', () => {
    expect(toSortSpec({ column: 'colour', direction: 'asc' })).toEqual(QUEUE_ORDER)
    expect(toSortSpec({ column: 'eta', direction: 'desc' })).toEqual({
      column: 'eta',
      direction: 'desc',
    })
  })
})

describe('sortIds', () => {
  const byId = index([
    download('part-10.bin', { size: 30, createdAt: 3, state: 'completed' }),
    download('part-2.bin', { size: null, createdAt: 1, state: 'downloading', speed: 9 }),
    download('Part-1.bin', { size: 10, createdAt: 2, state: 'paused' }),
  ])
  const order = ['part-10.bin', 'part-2.bin', 'Part-1.bin']

  it('sorts names as a file manager does (numbers by value, case aside)', () => {
    expect(sortIds(order, byId, { column: 'name', direction: 'asc' })).toEqual([
      'Part-1.bin',
      'part-2.bin',
      'part-10.bin',
    ])
  })

  it('puts an unknown size last in both directions', () => {
    expect(sortIds(order, byId, { column: 'size', direction: 'asc' })).toEqual([
      'Part-1.bin',
      'part-10.bin',
      'part-2.bin',
    ])
    expect(sortIds(order, byId, { column: 'size', direction: 'desc' })).toEqual([
      'part-10.bin',
      'Part-1.bin',
      'part-2.bin',
    ])
  })

  it('sorts by state (moving first) and by when added', () => {
    expect(sortIds(order, byId, { column: 'state', direction: 'asc' })[0]).toBe('part-2.bin')
    expect(sortIds(order, byId, { column: 'added', direction: 'desc' })).toEqual([
      'part-10.bin',
      'Part-1.bin',
      'part-2.bin',
    ])
  })

  it('keeps queue order among equal keys', () => {
    const same = index(['c', 'a', 'b'].map((id) => download(id, { size: 5 })))
    expect(sortIds(['c', 'a', 'b'], same, { column: 'size', direction: 'desc' })).toEqual([
      'c',
      'a',
      'b',
    ])
  })
})

describe('ViewSorter', () => {
  const many = Array.from({ length: 10_000 }, (_, i) =>
    download(`d${i}`, { size: (i * 7919) % 10_007, speed: i % 13, state: 'downloading' }),
  )
  const order = many.map((d) => d.id)

  it('does not sort again for a static key while no key changed', () => {
    const sorter = new ViewSorter()
    const byId = index(many)
    const spec = { column: 'size', direction: 'desc' } as const
    const first = sorter.sorted(byId, order, spec, false)
    // A beat: figures change, sizes do not.
    for (const d of many.slice(0, 200)) byId[d.id] = { ...d, done: 5, speed: 100 }
    expect(sorter.sorted(byId, order, spec, false)).toBe(first)
    expect(sorter.sorts).toBe(1)
    // A size becomes known: sorted again.
    byId['d1'] = { ...byId['d1']!, size: 1_000_000 }
    expect(sorter.sorted(byId, order, spec, false)[0]).toBe('d1')
    expect(sorter.sorts).toBe(2)
  })

  it('sorts a live key again only when asked (the once-a-second re-sort) or when the queue changed', () => {
    const sorter = new ViewSorter()
    const byId = index(many)
    const spec = { column: 'speed', direction: 'desc' } as const
    const first = sorter.sorted(byId, order, spec, false)
    byId['d0'] = { ...byId['d0']!, speed: 1e9 }
    expect(sorter.sorted(byId, order, spec, false)).toBe(first)
    expect(sorter.sorted(byId, order, spec, true)[0]).toBe('d0')
    expect(sorter.sorted(byId, [...order, 'gone'], spec, false)).not.toBe(first)
    expect(sorter.sorts).toBe(3)
  })

  it('returns the queue itself in queue order, without sorting', () => {
    const sorter = new ViewSorter()
    expect(sorter.sorted(index(many), order, QUEUE_ORDER, true)).toBe(order)
    expect(sorter.sorts).toBe(0)
  })
})
