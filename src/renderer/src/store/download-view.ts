import type { StateCreator } from 'zustand'
import type { DownloadSnapshot, DownloadState } from '../../../shared/protocol/model.ts'

export type FilterKind = 'all' | 'active' | 'queued' | 'paused' | 'completed' | 'failed'

export const FILTERS: readonly FilterKind[] = [
  'all',
  'active',
  'queued',
  'paused',
  'completed',
  'failed',
]

/**
 * Aggregates over the whole queue, computed by the actions when the set of downloads or their
 * states change (never on a progress beat, never in a selector or a render): zustand runs every
 * mounted selector on every update, so selectors only read these plain values.
 */
export type DownloadView = {
  /** Ids shown, in queue order, after the filter and the search. */
  readonly visibleIds: readonly string[]
  readonly counts: Readonly<Record<FilterKind, number>>
  /**
   * While a search is typed: how many downloads of each filter it finds (the tabs say "10 of
   * 1,000"), and the search they were counted for. Null without a search.
   */
  readonly found: Found | null
  /** 1-based place in the queue of each queued download. */
  readonly queuePosition: Readonly<Record<string, number>>
  /** Downloads holding one of the engine's slots (active ones; a retry keeps its slot). */
  readonly running: number
}

export type Found = {
  readonly search: string
  readonly counts: Readonly<Record<FilterKind, number>>
}

export type ViewSlice = { readonly view: DownloadView }

const zeroCounts: Record<FilterKind, number> = {
  all: 0,
  active: 0,
  queued: 0,
  paused: 0,
  completed: 0,
  failed: 0,
}

export const initialView: DownloadView = {
  visibleIds: [],
  counts: zeroCounts,
  found: null,
  queuePosition: {},
  running: 0,
}

export const createViewSlice: StateCreator<ViewSlice, [], [], ViewSlice> = () => ({
  view: initialView,
})

/** The filter a state belongs to; a download waiting to retry is active (it is being worked on). */
export function categoryOf(state: DownloadState): Exclude<FilterKind, 'all'> | null {
  switch (state) {
    case 'probing':
    case 'downloading':
    case 'verifying':
    case 'retrying':
      return 'active'
    case 'queued':
    case 'paused':
    case 'completed':
    case 'failed':
      return state
    case 'removed':
      return null
  }
}

const NON_ASCII = /[\u0080-\uffff]/
const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** Whether a name or URL holds the search; null when the search is empty (everything does). */
export type SearchTest = ((text: string) => boolean) | null

/**
 * The test for a search, answering as `text.toLowerCase().includes(needle)` would, without a
 * lower-cased copy of each name and URL: ASCII text (nearly every name and URL) is searched with
 * a case-insensitive regular expression, which folds ASCII exactly as toLowerCase does; other
 * text is lower-cased. A lower-cased copy per download made a queue's first search copy 10,000
 * names and URLs, ~35 ms of one task with its garbage collection (bench:ui's trace).
 */
export function searchTest(search: string): SearchTest {
  const needle = search.trim().toLowerCase()
  if (needle === '') return null
  const pattern = new RegExp(escapeRegExp(needle), 'i')
  return (text) => (NON_ASCII.test(text) ? text.toLowerCase().includes(needle) : pattern.test(text))
}

function matches(download: DownloadSnapshot, filter: FilterKind, test: SearchTest): boolean {
  if (filter !== 'all' && categoryOf(download.state) !== filter) return false
  return test === null || test(download.name) || test(download.url)
}

function sameIds(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

function sameRecord(a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>) {
  const keys = Object.keys(a)
  if (keys.length !== Object.keys(b).length) return false
  for (const key of keys) if (a[key] !== b[key]) return false
  return true
}

/**
 * What a search finds per filter, for a change of search (the downloads did not change): kept as
 * it was while the search is the same (the once-a-second re-sort calls this too).
 */
export function deriveFound(
  byId: Readonly<Record<string, DownloadSnapshot>>,
  order: readonly string[],
  search: string,
  previous: Found | null,
): Found | null {
  const test = searchTest(search)
  if (test === null) return null
  if (previous !== null && previous.search === search) return previous
  const counts = { ...zeroCounts }
  for (const id of order) {
    const download = byId[id]
    if (!download) continue
    const category = categoryOf(download.state)
    if (category === null || !(test(download.name) || test(download.url))) continue
    counts.all++
    counts[category]++
  }
  return sameFound(previous, search, counts)
}

function sameFound(
  previous: Found | null,
  search: string,
  counts: Record<FilterKind, number>,
): Found {
  return previous !== null &&
    previous.search === search &&
    FILTERS.every((f) => counts[f] === previous.counts[f])
    ? previous
    : { search, counts }
}

/**
 * Only the ids shown, for a change of filter or search: the queue-wide figures (counts, queue
 * places, running) depend on the downloads alone and stay as they are. Rebuilding the 10,000-key
 * queue-place record on every keystroke was most of a search's cost (bench:ui). `shown` is the
 * queue in the sort's order when sorted (see view-sort.ts).
 */
export function deriveVisible(
  byId: Readonly<Record<string, DownloadSnapshot>>,
  order: readonly string[],
  filter: FilterKind,
  search: string,
  previous: readonly string[],
  shown: readonly string[] = order,
): readonly string[] {
  const test = searchTest(search)
  const visible: string[] = []
  for (const id of shown) {
    const download = byId[id]
    if (download && categoryOf(download.state) !== null && matches(download, filter, test))
      visible.push(id)
  }
  return sameIds(visible, previous) ? previous : visible
}

/**
 * Recomputes the view in one pass over the queue (two when sorted: `shown` is the queue in the
 * sort's order, see view-sort.ts). Parts that did not change keep their previous object, so
 * components selecting them do not re-render.
 */
export function deriveView(
  byId: Readonly<Record<string, DownloadSnapshot>>,
  order: readonly string[],
  filter: FilterKind,
  search: string,
  previous: DownloadView,
  shown: readonly string[] = order,
): DownloadView {
  const test = searchTest(search)
  const counts = { ...zeroCounts }
  const foundCounts = { ...zeroCounts }
  const visible: string[] = []
  const queuePosition: Record<string, number> = {}
  let running = 0
  for (const id of order) {
    const download = byId[id]
    if (!download) continue
    const category = categoryOf(download.state)
    if (category === null) continue
    counts.all++
    counts[category]++
    if (test !== null && (test(download.name) || test(download.url))) {
      foundCounts.all++
      foundCounts[category]++
    }
    if (download.state === 'queued') queuePosition[id] = counts.queued
    else if (category === 'active') running++
    if (shown === order && matches(download, filter, test)) visible.push(id)
  }
  if (shown !== order)
    for (const id of shown) {
      const download = byId[id]
      if (download && download.state !== 'removed' && matches(download, filter, test))
        visible.push(id)
    }
  const next: DownloadView = {
    visibleIds: sameIds(visible, previous.visibleIds) ? previous.visibleIds : visible,
    counts: FILTERS.every((f) => counts[f] === previous.counts[f]) ? previous.counts : counts,
    found: test === null ? null : sameFound(previous.found, search, foundCounts),
    queuePosition: sameRecord(queuePosition, previous.queuePosition)
      ? previous.queuePosition
      : queuePosition,
    running,
  }
  return next.visibleIds === previous.visibleIds &&
    next.counts === previous.counts &&
    next.found === previous.found &&
    next.queuePosition === previous.queuePosition &&
    next.running === previous.running
    ? previous
    : next
}
