import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { DownloadSnapshot } from '../../../shared/protocol/model.ts'
import { resetAppStore, useAppStore } from './app-store.ts'
import { applyBeat, applySnapshot, viewSorter } from './download-actions.ts'
import { followLiveSort, LIVE_RESORT_MS } from './live-resort.ts'
import { setSort } from './ui-actions.ts'
import { makeSnapshot } from '../../../../test/make-snapshot.ts'

const N = 10_000

const running = (i: number): DownloadSnapshot =>
  makeSnapshot({
    id: `d${i}`,
    url: `https://example.com/f${i}.bin`,
    name: `f${i}.bin`,
    state: 'downloading',
    size: 1e9,
    speed: i,
    tries: 1,
    resumable: true,
    connections: 1,
    createdAt: i,
  })

let seq = 0
/** A beat in which download `fastest` is the fastest of all and the rest crawl. */
function beat(fastest: number): void {
  applyBeat({
    seq: ++seq,
    at: Date.now(),
    revision: 1,
    speed: 1,
    active: N,
    items: Array.from({ length: N }, (_, i) => ({
      id: `d${i}`,
      done: seq * 10,
      size: 1e9,
      speed: i === fastest ? 1e9 : i,
      eta: null,
      connections: 1,
    })),
  })
}

const shown = () => useAppStore.getState().view.visibleIds

describe('sorting 10,000 downloads while they progress', () => {
  let stop: () => void
  beforeEach(() => {
    vi.useFakeTimers()
    resetAppStore()
    applySnapshot({
      revision: 1,
      downloads: Array.from({ length: N }, (_, i) => running(i)),
      settings: null as never,
    })
    stop = followLiveSort()
  })
  afterEach(() => {
    stop()
    setSort({ column: 'queue', direction: 'asc' })
    vi.useRealTimers()
  })

  it('never sorts again on a beat when the key is static (name, size, added)', () => {
    setSort({ column: 'size', direction: 'desc' })
    const sorts = viewSorter.sorts
    const view = useAppStore.getState().view
    for (let i = 0; i < 20; i++) beat(i)
    vi.advanceTimersByTime(5 * LIVE_RESORT_MS)
    expect(viewSorter.sorts).toBe(sorts)
    expect(useAppStore.getState().view).toBe(view)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('sorts by speed again at most once a second, and only after beats', () => {
    setSort({ column: 'speed', direction: 'desc' })
    expect(shown()[0]).toBe(`d${N - 1}`)
    const sorts = viewSorter.sorts
    // The first beat after a quiet spell is sorted at once (next tick) ...
    beat(5)
    expect(shown()[0]).toBe(`d${N - 1}`)
    vi.advanceTimersByTime(0)
    expect(shown()[0]).toBe('d5')
    expect(viewSorter.sorts).toBe(sorts + 1)
    // ... then four beats a second make one re-sort a second, not four.
    for (let i = 0; i < 4; i++) {
      vi.advanceTimersByTime(250)
      beat(6 + i)
    }
    // The timer fired at 1 s, before the fourth beat (which waits for the next second).
    expect(viewSorter.sorts).toBe(sorts + 2)
    expect(shown()[0]).toBe('d8')
    for (let i = 0; i < 8; i++) {
      vi.advanceTimersByTime(250)
      beat(20 + i)
    }
    expect(viewSorter.sorts).toBe(sorts + 4)
    // The last beat's figures are sorted a second later; then, idle: no timer, no sort.
    vi.advanceTimersByTime(10 * LIVE_RESORT_MS)
    expect(shown()[0]).toBe('d27')
    expect(viewSorter.sorts).toBe(sorts + 5)
    expect(vi.getTimerCount()).toBe(0)
  })
})
