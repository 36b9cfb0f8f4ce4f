import { applyBlockMove } from '../../../shared/protocol/block-move.ts'
import type { EngineEvents } from '../../../shared/protocol/events.ts'
import type { DownloadSnapshot } from '../../../shared/protocol/model.ts'
import { useAppStore } from './app-store.ts'
import type { AppState } from './app-store.ts'
import {
  deriveFound,
  deriveView,
  deriveVisible,
  updateView,
  type EntryChange,
} from './download-view.ts'
import type { DownloadsState } from './downloads-slice.ts'
import { noteFinished } from './announcer.ts'
import { ViewSorter } from './view-sort.ts'
import { BeatClock } from './beat-clock.ts'
import { speedRecord } from './speed-record.ts'

/** How late beats reach the page by the engine's clock (reset for each new engine client). */
export const beatClock = new BeatClock()

/** The last sort of the queue, reused while nothing it depends on changed. */
export const viewSorter = new ViewSorter()

/**
 * Applies engine events to the store. Each function is one `setState`; the view (counts,
 * visible ids, queue places) is derived here, once per change, never in a selector.
 */

function withDownloads(
  state: AppState,
  downloads: DownloadsState,
  resort = false,
  changes: readonly EntryChange[] | null = null,
): Partial<AppState> {
  const { byId, order } = downloads
  const { filter, search } = state.ui
  const shown = viewSorter.sorted(byId, order, state.ui.sort, resort)
  // Entries changed in a list in queue order: O(changes), not a pass over the queue per event.
  const view =
    (changes !== null && order === state.downloads.order && shown === order
      ? updateView(byId, order, filter, search, state.view, changes)
      : null) ?? deriveView(byId, order, filter, search, state.view, shown)
  // Selection and focus follow the downloads: a removed one is no longer selected.
  let { selected, focusedId, anchorId } = state.ui
  // Only a new order can have dropped a download (a select-all holds 10,000 ids to look at).
  if (order !== state.downloads.order && someMissing(selected, byId))
    selected = new Set([...selected].filter((id) => id in byId))
  if (focusedId !== null && !(focusedId in byId)) focusedId = null
  if (anchorId !== null && !(anchorId in byId)) anchorId = null
  const ui =
    selected === state.ui.selected &&
    focusedId === state.ui.focusedId &&
    anchorId === state.ui.anchorId
      ? state.ui
      : { ...state.ui, selected, focusedId, anchorId }
  return { downloads, view, ui }
}

function someMissing(ids: ReadonlySet<string>, byId: Readonly<Record<string, unknown>>): boolean {
  for (const id of ids) if (!(id in byId)) return true
  return false
}

export function applySnapshot(snapshot: EngineEvents['engine/snapshot']): void {
  useAppStore.setState((state) => {
    const byId: Record<string, DownloadSnapshot> = {}
    const order: string[] = []
    for (const download of snapshot.downloads) {
      // Unchanged downloads keep their object, so their rows do not re-render after a resync.
      const previous = state.downloads.byId[download.id]
      byId[download.id] = previous && sameSnapshot(previous, download) ? previous : download
      order.push(download.id)
    }
    return withDownloads(state, {
      ...state.downloads,
      byId,
      order,
      revision: snapshot.revision,
      loaded: true,
      settings: snapshot.settings,
    })
  })
}

/**
 * Appends the next part of a snapshot read in parts (the head went in with `applySnapshot`):
 * new entries are added to the `byId` index in place (see replaceEntries; copying a growing
 * record per part would cost more than the part itself), the order grows, the view follows.
 */
export function applySnapshotPart(downloads: readonly DownloadSnapshot[]): void {
  if (downloads.length === 0) return
  useAppStore.setState((state) => {
    const { byId, order } = state.downloads
    const added: string[] = []
    for (const download of downloads) {
      if (!(download.id in byId)) added.push(download.id)
    }
    return withDownloads(state, {
      ...state.downloads,
      byId: replaceEntries(byId, downloads),
      order: added.length === 0 ? order : [...order, ...added],
    })
  })
}

/**
 * Downloads the engine added, however many, in one store update and one pass over the queue
 * (a 10,000-URL add arrives as a few events, not 10,000). Downloads the store already holds (a
 * snapshot read while the event was on its way) are replaced, not listed twice.
 */
export function applyAdded(event: EngineEvents['download/added']): void {
  upsert(event.downloads, event.revision)
}

/** Puts downloads in (or over their old copies), the new ones appended to the order. */
function upsert(downloads: readonly DownloadSnapshot[], revision: number): void {
  useAppStore.setState((state) => {
    const { byId, order } = state.downloads
    const fresh: string[] = []
    const changes: EntryChange[] = []
    // In place, in the event's order (see replaceEntries): a download named twice in one
    // event changes from its first entry to its second.
    const index = byId as Record<string, DownloadSnapshot>
    for (const download of downloads) {
      const before = index[download.id]
      if (before === undefined) fresh.push(download.id)
      changes.push({ before, after: download })
      index[download.id] = download
    }
    return withDownloads(
      state,
      {
        ...state.downloads,
        byId,
        order: fresh.length === 0 ? order : order.concat(fresh),
        revision,
      },
      false,
      fresh.length === 0 ? changes : null,
    )
  })
}

/** Changes of any number of downloads (a pause of 10,000 is one event): one store update. */
export function applyChanged(event: EngineEvents['download/changed']): void {
  const downloads: DownloadSnapshot[] = []
  for (const { download, previousState } of event.changes) {
    if (
      download.state !== previousState &&
      (download.state === 'completed' || download.state === 'failed')
    )
      noteFinished(download.state, download.name)
    downloads.push(download)
  }
  upsert(downloads, event.revision)
}

/**
 * Replaces or adds entries of `byId` in place. Copying a 10,000-key record costs ~30 ms
 * (measured by `npm run bench:ui`), once per beat it made the list stutter; so the record is an
 * index whose identity changes only with a snapshot, while each entry is immutable and replaced
 * when its download changes (a new or removed download changes `order`, which the view follows). Selectors read entries (`byId[id]`), never the record's
 * identity; a new `downloads` object still tells zustand that something changed.
 */
function replaceEntries(
  byId: Readonly<Record<string, DownloadSnapshot>>,
  entries: readonly DownloadSnapshot[],
): Readonly<Record<string, DownloadSnapshot>> {
  const index = byId as Record<string, DownloadSnapshot>
  for (const entry of entries) index[entry.id] = entry
  return byId
}

/** Downloads removed, however many: one filter of the order, one store update. */
export function applyRemoved(event: EngineEvents['download/removed']): void {
  useAppStore.setState((state) => {
    const { byId, order } = state.downloads
    const gone = new Set<string>()
    // The index is changed in place (see replaceEntries); `order` tells what changed.
    const index = byId as Record<string, DownloadSnapshot>
    for (const id of event.ids) {
      if (!(id in index)) continue
      gone.add(id)
      delete index[id]
    }
    return withDownloads(state, {
      ...state.downloads,
      byId,
      order: gone.size === 0 ? order : order.filter((id) => !gone.has(id)),
      revision: event.revision,
    })
  })
}

/** The event says which downloads moved and where: applied to the store's own order. */
export function applyMoved(event: EngineEvents['download/moved']): void {
  useAppStore.setState((state) =>
    withDownloads(state, {
      ...state.downloads,
      order: applyBlockMove(state.downloads.order, event),
      revision: event.revision,
    }),
  )
}

export function applySettings(event: EngineEvents['settings/changed']): void {
  useAppStore.setState((state) => ({
    downloads: { ...state.downloads, settings: event.settings, revision: event.revision },
  }))
}

/**
 * One heartbeat in one store update. Only downloads whose figures changed get a new object
 * (replaced in place in `byId`, see replaceEntries); `order`, the view and every other row's
 * object stay the same, so only those rows re-render.
 * States never change on a beat (they come as `download/changed`), so the view is not derived.
 */
export function applyBeat(beat: EngineEvents['progress/beat'], receivedAt = Date.now()): void {
  const beatDelay = beatClock.note(beat.at, receivedAt)
  recordSpeeds(beat, receivedAt)
  useAppStore.setState((state) => {
    const { byId } = state.downloads
    const moved: DownloadSnapshot[] = []
    for (const item of beat.items) {
      const current = byId[item.id]
      if (!current) continue
      if (
        current.done === item.done &&
        current.size === item.size &&
        current.speed === item.speed &&
        current.eta === item.eta &&
        current.connections === item.connections &&
        current.lastByteAt === item.lastByteAt
      )
        continue
      moved.push({
        ...current,
        done: item.done,
        size: item.size,
        speed: item.speed,
        eta: item.eta,
        connections: item.connections,
        ...(item.lastByteAt === undefined ? {} : { lastByteAt: item.lastByteAt }),
      })
    }
    const downloads =
      moved.length === 0 && state.downloads.speed === beat.speed
        ? state.downloads
        : { ...state.downloads, byId: replaceEntries(byId, moved), speed: beat.speed }
    return { downloads, connection: { ...state.connection, lastBeatAt: receivedAt, beatDelay } }
  })
}

/**
 * The beat's sample for each download's 60-second speed history, taken before the store update
 * so the graphs its subscribers redraw already have it. A download the beat does not carry kept
 * its figures.
 */
function recordSpeeds(beat: EngineEvents['progress/beat'], receivedAt: number): void {
  const { byId } = useAppStore.getState().downloads
  const carried = new Map(beat.items.map((item) => [item.id, item.speed]))
  speedRecord.beat(receivedAt, carried.keys(), (id) =>
    id in byId ? (carried.get(id) ?? byId[id]!.speed) : undefined,
  )
}

function sameSnapshot(a: DownloadSnapshot, b: DownloadSnapshot): boolean {
  for (const key of Object.keys(b) as (keyof DownloadSnapshot)[]) {
    const x = a[key]
    const y = b[key]
    if (x === y) continue
    if (typeof x === 'object' && typeof y === 'object' && JSON.stringify(x) === JSON.stringify(y))
      continue
    return false
  }
  return true
}

/**
 * Re-derives the ids shown after the filter, search or sort changed (nothing else depends on
 * them); with `resort`, sorts again by the live figures (the once-a-second re-sort for speed,
 * progress and time left).
 */
export function refreshView(resort = false): void {
  useAppStore.setState((state) => {
    const { byId, order } = state.downloads
    const visibleIds = deriveVisible(
      byId,
      order,
      state.ui.filter,
      state.ui.search,
      state.view.visibleIds,
      viewSorter.sorted(byId, order, state.ui.sort, resort),
    )
    const found = deriveFound(byId, order, state.ui.search, state.view.found)
    return visibleIds === state.view.visibleIds && found === state.view.found
      ? state
      : { view: { ...state.view, visibleIds, found } }
  })
}
