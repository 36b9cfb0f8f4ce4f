import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { FakeEngine } from '../test/fake-engine.ts'
import { resetAppStore, useAppStore } from './app-store.ts'
import { bindClient } from './engine-sink.ts'
import { setFilter, setSearch } from './ui-actions.ts'

const settle = () => new Promise((resolve) => setTimeout(resolve, 0))
const view = () => useAppStore.getState().view

describe('the view under a search', () => {
  let engine: FakeEngine
  let unbind: () => void
  beforeEach(async () => {
    resetAppStore()
    engine = new FakeEngine()
    engine.settings.maxConcurrentDownloads = 1
    await engine.add([
      { url: 'https://a.example/Report.PDF' },
      { url: 'https://b.example/files/x1', name: 'holiday.jpg' },
      { url: 'https://c.example/report-2.pdf', paused: true },
      { url: 'https://d.example/other.bin' },
    ])
    unbind = bindClient(engine)
    await settle()
  })
  afterEach(() => unbind())

  it('matches names and URLs in any case, and changes only the ids shown', () => {
    const [report, holiday, report2, other] = engine.order as [string, string, string, string]
    const before = view()
    setSearch('  REPORT ')
    expect(view().visibleIds).toEqual([report, report2])
    // Queue-wide figures do not depend on the search: the same objects, nothing re-renders.
    expect(view().counts).toBe(before.counts)
    expect(view().queuePosition).toBe(before.queuePosition)
    expect(view().running).toBe(before.running)
    setSearch('b.example/files')
    expect(view().visibleIds).toEqual([holiday])
    setFilter('paused')
    setSearch('pdf')
    expect(view().visibleIds).toEqual([report2])
    setFilter('all')
    setSearch('')
    expect(view().visibleIds).toEqual([report, holiday, report2, other])
    expect(view().counts).toBe(before.counts)
  })

  it('sees a renamed download under the search (the lower-cased text follows the new object)', async () => {
    const holiday = engine.order[1]!
    setSearch('beach')
    expect(view().visibleIds).toEqual([])
    await engine.update([{ id: holiday, name: 'Beach.jpg' }])
    expect(view().visibleIds).toEqual([holiday])
  })
})
