import type { MirrorStorage } from '../../../shared/protocol/engine-mirror.ts'
import {
  appendPart,
  applyBeat as beatFigures,
  applyEvent,
  resetState,
  type MirrorChange,
  type MirrorState,
  type RevisionedEvent,
} from '../../../shared/protocol/mirror-state.ts'
import type { EngineEvents } from '../../../shared/protocol/events.ts'
import type { DownloadSnapshot } from '../../../shared/protocol/model.ts'
import { publishGate, useAppStore } from './app-store.ts'
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
import { engineTraffic } from './engine-traffic.ts'
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
  appended = 0,
): Partial<AppState> {
  const { byId, order } = downloads
  const { filter, search } = state.ui
  const shown = viewSorter.sorted(byId, order, state.ui.sort, resort)
  // Entries changed (or `appended` new ones at the end of the queue, a part of an add) in a
  // list in queue order: O(changes), not a pass over the queue per event.
  const grown =
    order === state.downloads.order ||
    (appended > 0 && order.length === state.downloads.order.length + appended)
  const view =
    (changes !== null && grown && shown === order
      ? updateView(byId, order, filter, search, state.view, changes, appended)
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

/** The window's mirror storage: the store's downloads slice, the view derived in the same update. */
export const storeMirror: MirrorStorage = {
  read: () => useAppStore.getState().downloads,
  write(next, change) {
    // Published with the other changes of this slice of messages (see PublishGate).
    publishGate.holdForTask()
    commit(next, change)
  },
}

const read = (): MirrorState => useAppStore.getState().downloads

/** A whole snapshot (or the head of one read in parts); unchanged rows keep their objects. */
export function applySnapshot(snapshot: EngineEvents['engine/snapshot']): void {
  commit(resetState(read(), snapshot), { name: 'engine/snapshot' })
}

/**
 * Appends the next part of a snapshot read in parts (the head went in with `applySnapshot`):
 * new entries are added to the `byId` index in place (copying a growing record per part would
 * cost more than the part itself), the order grows, the view follows.
 */
export function applySnapshotPart(downloads: readonly DownloadSnapshot[]): void {
  if (downloads.length === 0) return
  commit(appendPart(read(), downloads), { name: 'snapshot/part', downloads })
}

/**
 * Downloads the engine added, however many, in one store update and one pass over the queue
 * (a 10,000-URL add arrives as a few events, not 10,000). Downloads the store already holds (a
 * snapshot read while the event was on its way) are replaced, not listed twice.
 */
export function applyAdded(payload: EngineEvents['download/added']): void {
  applyOne({ name: 'download/added', payload })
}

/** Changes of any number of downloads (a pause of 10,000 is one event): one store update. */
export function applyChanged(payload: EngineEvents['download/changed']): void {
  applyOne({ name: 'download/changed', payload })
}

/** Downloads removed, however many: one filter of the order, one store update. */
export function applyRemoved(payload: EngineEvents['download/removed']): void {
  applyOne({ name: 'download/removed', payload })
}

/** The event says which downloads moved and where: applied to the store's own order. */
export function applyMoved(payload: EngineEvents['download/moved']): void {
  applyOne({ name: 'download/moved', payload })
}

export function applySettings(payload: EngineEvents['settings/changed']): void {
  applyOne({ name: 'settings/changed', payload })
}

/** One event applied as is, whatever its revision (EngineMirror sequences the live ones). */
function applyOne(event: RevisionedEvent): void {
  const { next, change } = applyEvent(read(), event)
  commit(next, change)
}

/**
 * One heartbeat in one store update. Only downloads whose figures changed get a new object
 * (see mirror-state.ts `applyBeat`); `order`, the view and every other row's object stay the
 * same, so only those rows re-render.
 */
export function applyBeat(beat: EngineEvents['progress/beat'], receivedAt = Date.now()): void {
  const state = read()
  commit(state, { name: 'progress/beat', event: beat, moved: beatFigures(state, beat) }, receivedAt)
}

/** Puts one mirror step into the store: one `setState`, the view derived with it. */
function commit(next: MirrorState, change: MirrorChange, receivedAt = Date.now()): void {
  const { byId, order, revision } = next
  if (change.name !== 'progress/beat') engineTraffic.note(receivedAt)
  switch (change.name) {
    case 'engine/snapshot': {
      const { loaded, settings } = next
      useAppStore.setState((state) =>
        withDownloads(state, { ...state.downloads, byId, order, revision, loaded, settings }),
      )
      return
    }
    case 'snapshot/part':
      useAppStore.setState((state) => withDownloads(state, { ...state.downloads, byId, order }))
      return
    case 'download/added':
    case 'download/changed': {
      if (change.name === 'download/changed') announceFinished(change.entries)
      // New downloads are appended to the order (mirror-state.ts `upsert`): `fresh` are its last ids.
      useAppStore.setState((state) =>
        withDownloads(
          state,
          { ...state.downloads, byId, order, revision },
          false,
          change.entries,
          change.fresh.length,
        ),
      )
      return
    }
    case 'download/removed':
    case 'download/moved':
      useAppStore.setState((state) =>
        withDownloads(state, { ...state.downloads, byId, order, revision }),
      )
      return
    case 'settings/changed':
      useAppStore.setState((state) => ({
        downloads: { ...state.downloads, settings: next.settings, revision },
      }))
      return
    case 'progress/beat': {
      const beat = change.event
      const beatDelay = beatClock.note(beat.at, receivedAt)
      recordSpeeds(beat, receivedAt)
      useAppStore.setState((state) => {
        const downloads =
          change.moved.length === 0 && state.downloads.speed === beat.speed
            ? state.downloads
            : { ...state.downloads, speed: beat.speed }
        return {
          downloads,
          connection: { ...state.connection, lastBeatAt: receivedAt, beatDelay },
        }
      })
      return
    }
  }
}

function announceFinished(entries: readonly EntryChange[]): void {
  for (const { after, previousState } of entries) {
    if (after.state !== previousState && (after.state === 'completed' || after.state === 'failed'))
      noteFinished(after.state, after.name)
  }
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
