import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { FakeEngine } from '../test/fake-engine.ts'
import { resetAppStore, useAppStore } from './app-store.ts'
import { bindClient } from './engine-sink.ts'
import { applyAdded, applyRemoved, applySnapshot } from './download-actions.ts'
import type { DownloadSnapshot } from '../../../shared/protocol/model.ts'
import { DEFAULT_SETTINGS } from '../../../shared/protocol/default-settings.ts'
import { makeSnapshot } from '../../../../test/make-snapshot.ts'

const settle = () => new Promise((resolve) => setTimeout(resolve, 0))
const state = () => useAppStore.getState()
const N = 2000

/** Store updates while `body` runs. */
async function updatesDuring(body: () => Promise<unknown>): Promise<number> {
  let updates = 0
  const off = useAppStore.subscribe(() => updates++)
  try {
    await body()
    await settle()
  } finally {
    off()
  }
  return updates
}

describe('bulk changes reach the store in one update', () => {
  let engine: FakeEngine
  let unbind: () => void
  beforeEach(async () => {
    resetAppStore()
    engine = new FakeEngine()
    engine.settings.maxConcurrentDownloads = 100
    unbind = bindClient(engine)
    await settle()
  })
  afterEach(() => unbind?.())

  it('adds, pauses, resumes and removes 2,000 downloads with one store update each', async () => {
    const urls = Array.from({ length: N }, (_, i) => ({ url: `https://a.example/${i}.iso` }))
    // The add: one event with the 2,000, and the pump's starts in a second one.
    expect(await updatesDuring(() => engine.add(urls))).toBe(2)
    expect(state().view.counts.all).toBe(N)
    expect(state().downloads.order).toEqual(engine.order)
    expect(state().view.counts.active).toBe(100)

    expect(await updatesDuring(() => engine.pause({ all: true }))).toBe(1)
    expect(state().view.counts.paused).toBe(N)

    expect(await updatesDuring(() => engine.resume({ all: true }))).toBe(1)
    expect(state().view.counts.active).toBe(100)
    expect(state().view.counts.queued).toBe(N - 100)

    expect(await updatesDuring(() => engine.remove({ all: true }))).toBe(1)
    expect(state().view.counts.all).toBe(0)
    expect(state().downloads.order).toEqual([])
    expect(state().downloads.revision).toBe(engine.snapshotNow().revision)
  })
})

describe('applying a batched event', () => {
  beforeEach(() => resetAppStore())

  const download = (id: string): DownloadSnapshot =>
    makeSnapshot({ id, name: `${id}.bin`, url: `https://a.example/${id}.bin` })

  it('lists a download the store already holds once (a snapshot read while its event travelled)', () => {
    applySnapshot({
      revision: 1,
      downloads: [download('a'), download('b')],
      settings: { ...DEFAULT_SETTINGS, defaultDir: '/downloads' },
    })
    applyAdded({ revision: 2, downloads: [download('b'), download('c')] })
    expect(state().downloads.order).toEqual(['a', 'b', 'c'])
    expect(state().view.counts.all).toBe(3)
  })

  it('removes many in one pass and drops them from the selection', () => {
    applySnapshot({
      revision: 1,
      downloads: ['a', 'b', 'c', 'd'].map(download),
      settings: { ...DEFAULT_SETTINGS, defaultDir: '/downloads' },
    })
    useAppStore.setState((s) => ({ ui: { ...s.ui, selected: new Set(['a', 'c', 'd']) } }))
    let updates = 0
    const off = useAppStore.subscribe(() => updates++)
    applyRemoved({ revision: 2, ids: ['a', 'c', 'x'] })
    off()
    expect(updates).toBe(1)
    expect(state().downloads.order).toEqual(['b', 'd'])
    expect('a' in state().downloads.byId).toBe(false)
    expect([...state().ui.selected]).toEqual(['d'])
    expect(state().downloads.revision).toBe(2)
  })
})
