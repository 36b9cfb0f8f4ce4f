import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { FakeEngine } from '../test/fake-engine.ts'
import { resetAppStore, useAppStore } from './app-store.ts'
import { bindClient } from './engine-sink.ts'
import { setFilter, setSearch } from './ui-actions.ts'
import { searchTest } from './download-view.ts'

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

describe('searchTest', () => {
  // What the search promises: a name or URL holds the search, trimmed, in any case.
  const reference = (text: string, search: string) =>
    text.toLowerCase().includes(search.trim().toLowerCase())
  // Letters of both cases, regular expression syntax, and characters whose lower case is ASCII
  // (KELVIN SIGN → k), longer (İ → i̇) or special (ſ, ß, Σ), beside plain ASCII.
  const char = fc.oneof(
    fc.constantFrom(...'aAkKsSzZ09.*+?^$()[]{}|\\/-_ %'),
    fc.constantFrom('\u212a', '\u0130', '\u017f', 'ß', 'Σ', 'σ', 'é', 'É', '日', '\u{1f600}'),
  )
  const text = fc.array(char, { maxLength: 12 }).map((cs) => cs.join(''))

  it('answers as toLowerCase().includes does, for any text and search', () => {
    fc.assert(
      fc.property(text, text, (haystack, search) => {
        const test = searchTest(search)
        expect(test === null ? true : test(haystack)).toBe(reference(haystack, search))
      }),
      { numRuns: 2000 },
    )
  })

  it('finds a part of a longer text cut anywhere, in any case', () => {
    fc.assert(
      fc.property(text, text, text, fc.boolean(), (before, part, after, upper) => {
        const search = upper ? part.toUpperCase() : part
        const test = searchTest(search)
        const haystack = before + part + after
        expect(test === null ? true : test(haystack)).toBe(reference(haystack, search))
      }),
    )
  })
})
