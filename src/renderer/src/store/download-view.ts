import type { StateCreator } from 'zustand'
import type { DownloadSnapshot, DownloadState } from '../../../shared/protocol/model.ts'
import type { EntryChange } from '../../../shared/protocol/mirror-state.ts'

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
  /** 1-based place in the queue of each queued download (worked out when first asked). */
  readonly queuePosition: QueuePlaces
  /** Downloads holding one of the engine's slots (active ones; a retry keeps its slot). */
  readonly running: number
  /**
   * While a search is typed: how many downloads of each filter it finds (the tabs say "10 of
   * 1,000"), and the search they were counted for. Null without a search.
   */
  readonly found: Found | null
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

/**
 * The places of the queued downloads, worked out on the first question and kept: a change of
 * which downloads wait (a start, a resume) makes a new one in O(1), and the pass over the queue
 * is made once per render that shows a queued row, not once per event — Resume all of 10,000
 * brought hundreds of events (each start its own), and a 10,000-key record of places built for
 * each was most of the page's CPU in that step (bench:ui --profile; docs/benchmarks.md).
 * The index it reads is the store's, updated in place: a QueuePlaces answers for the downloads as
 * they are when first asked, which is the state it was made for as long as it is the view's.
 */
export class QueuePlaces {
  #byId: Readonly<Record<string, DownloadSnapshot>> | null
  #order: readonly string[]
  #places: Map<string, number> | null

  constructor(
    byId: Readonly<Record<string, DownloadSnapshot>> | null,
    order: readonly string[],
    places: Map<string, number> | null = null,
  ) {
    this.#byId = byId
    this.#order = order
    this.#places = places
  }

  /** The 1-based place of a queued download; undefined for any other. */
  of(id: string): number | undefined {
    return this.#build().get(id)
  }

  /** Every place, in queue order (tests compare views through it). */
  entries(): [string, number][] {
    return [...this.#build()]
  }

  #build(): Map<string, number> {
    if (this.#places !== null) return this.#places
    const places = new Map<string, number>()
    const byId = this.#byId
    if (byId !== null) {
      viewWork.visited += this.#order.length
      for (const id of this.#order)
        if (byId[id]?.state === 'queued') places.set(id, places.size + 1)
    }
    this.#places = places
    this.#byId = null
    return places
  }
}

const noPlaces = new QueuePlaces(null, [])

export const initialView: DownloadView = {
  visibleIds: [],
  counts: zeroCounts,
  queuePosition: noPlaces,
  running: 0,
  found: null,
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
 * names and URLs, a long task with its garbage collection (bench:ui's trace).
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

/**
 * Downloads the view's derivations looked at, counted (not timed): tests hold a change of k
 * downloads to O(k) work where the queue's order did not change (see updateView).
 */
export const viewWork = { visited: 0 }

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
  viewWork.visited += shown.length
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
  const queuePosition = new Map<string, number>()
  let samePlaces = true
  let running = 0
  viewWork.visited += order.length
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
    if (download.state === 'queued') {
      queuePosition.set(id, counts.queued)
      if (samePlaces && previous.queuePosition.of(id) !== counts.queued) samePlaces = false
    } else if (category === 'active') running++
    if (shown === order && matches(download, filter, test)) visible.push(id)
  }
  if (shown !== order) {
    viewWork.visited += shown.length
    for (const id of shown) {
      const download = byId[id]
      if (download && download.state !== 'removed' && matches(download, filter, test))
        visible.push(id)
    }
  }
  return settle(previous, {
    visibleIds: sameIds(visible, previous.visibleIds) ? previous.visibleIds : visible,
    counts,
    // Same places for as many downloads as before: the same object (no Object.keys of two
    // 10,000-key records, which was half of a derivation's time in bench:ui's profile).
    queuePosition:
      samePlaces && counts.queued === previous.counts.queued
        ? previous.queuePosition
        : new QueuePlaces(null, order, queuePosition),
    running,
    found: test === null ? null : sameFound(previous.found, search, foundCounts),
  })
}

/** What changed in one download (defined with the mirror that reports it). */
export type { EntryChange }

/**
 * The view after some downloads changed while the queue's order stayed the same (a beat of
 * states, a pause of some, a rename) or grew at its end (`appended`: the last ids of `order`
 * are new, the entries with no `before` — a part of an add): O(k) in the k downloads named,
 * where `deriveView` is a pass over the queue. Counts and `running` follow each change's
 * category; the ids shown are derived again only if a change moved a download already there in
 * or out of the filter and search (new ones shown are appended to them); queue places, if a
 * download started or stopped waiting, when first asked (QueuePlaces). Each of the ten parts of
 * an add of 10,000 derived the whole view before, with a 10,000-entry map of places: the
 * page's largest piece of garbage per part (bench:ui, a full GC inside a part's handler).
 * Null when it cannot tell (a change to a download the view never counted, a sorted list):
 * derive the whole view then.
 */
export function updateView(
  byId: Readonly<Record<string, DownloadSnapshot>>,
  order: readonly string[],
  filter: FilterKind,
  search: string,
  previous: DownloadView,
  changes: readonly EntryChange[],
  appended = 0,
): DownloadView | null {
  const test = searchTest(search)
  const counts = { ...previous.counts }
  // What the search finds follows the changes too (null: no search, or counted for another).
  const found =
    test !== null && previous.found?.search === search ? { ...previous.found.counts } : null
  if (test !== null && found === null) return null
  let running = previous.running
  let membership = false
  let waiting = false
  /** New downloads the filter and search show, in queue order (they were appended so). */
  const shownNew: string[] = []
  viewWork.visited += changes.length
  for (const { before, after } of changes) {
    if (before === undefined) {
      if (appended === 0) return null
      const is = categoryOf(after.state)
      if (is === null) continue
      counts.all++
      counts[is]++
      if (is === 'active') running++
      if (found !== null && test !== null && (test(after.name) || test(after.url))) {
        found.all++
        found[is]++
      }
      if (after.state === 'queued') waiting = true
      if (matches(after, filter, test)) shownNew.push(after.id)
      continue
    }
    if (before.state === after.state && before.name === after.name && before.url === after.url)
      continue
    const was = categoryOf(before.state)
    const is = categoryOf(after.state)
    if (found !== null && test !== null) {
      if (was !== null && (test(before.name) || test(before.url))) {
        found.all--
        found[was]--
      }
      if (is !== null && (test(after.name) || test(after.url))) {
        found.all++
        found[is]++
      }
    }
    if (was !== is) {
      if (was !== null) {
        counts.all--
        counts[was]--
        if (was === 'active') running--
      }
      if (is !== null) {
        counts.all++
        counts[is]++
        if (is === 'active') running++
      }
    }
    if ((before.state === 'queued') !== (after.state === 'queued')) waiting = true
    const shownBefore = was !== null && matches(before, filter, test)
    const shownAfter = is !== null && matches(after, filter, test)
    if (shownBefore !== shownAfter) membership = true
  }
  // Which downloads wait changed: their places are worked out when a row asks (QueuePlaces).
  const queuePosition = waiting ? new QueuePlaces(byId, order) : previous.queuePosition
  const visibleIds = membership
    ? deriveVisible(byId, order, filter, search, previous.visibleIds)
    : shownNew.length > 0
      ? previous.visibleIds.concat(shownNew)
      : previous.visibleIds
  return settle(previous, {
    visibleIds,
    counts,
    queuePosition,
    running,
    found: found === null ? null : sameFound(previous.found, search, found),
  })
}

/** `next`, with each part that equals `previous`'s as `previous`'s object; `previous` if all do. */
function settle(previous: DownloadView, next: DownloadView): DownloadView {
  const counts = FILTERS.every((f) => next.counts[f] === previous.counts[f])
    ? previous.counts
    : next.counts
  return next.visibleIds === previous.visibleIds &&
    counts === previous.counts &&
    next.queuePosition === previous.queuePosition &&
    next.running === previous.running &&
    next.found === previous.found
    ? previous
    : { ...next, counts }
}
