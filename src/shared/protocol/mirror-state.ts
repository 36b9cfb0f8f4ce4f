import { problemsOnArrival } from './added-on-wire.ts'
import { applyBlockMove } from './block-move.ts'
import {
  applyDescription,
  describeBadAdded,
  describeBadDescription,
  isWhole,
} from './download-patch.ts'
import type { EngineEvents, RevisionedEventName } from './events.ts'
import type { DownloadSnapshot, DownloadState, Settings } from './model.ts'

/**
 * A copy of the engine's queue kept from its events (see engine-mirror.ts): normalized, so a
 * beat that touches one download replaces that one object and nothing else.
 */
export type MirrorState = {
  /**
   * An index: its entries are immutable and replaced when a download changes, but the record
   * itself is updated in place except on a snapshot (copying 10,000 keys on every beat cost
   * ~30 ms in the window, bench:ui). Read entries (`byId[id]`), never the record's identity.
   */
  readonly byId: Readonly<Record<string, DownloadSnapshot>>
  /** Queue order; a new array only when a download is added, removed or moved. */
  readonly order: readonly string[]
  /** The engine revision this state reflects. */
  readonly revision: number
  /** True once a snapshot was read. */
  readonly loaded: boolean
  readonly settings: Settings | null
}

/** A mirror before its first snapshot (a fresh record: `byId` is written in place). */
export function emptyMirror(): MirrorState {
  return { byId: {}, order: [], revision: 0, loaded: false, settings: null }
}

/**
 * One entry written by an event: what it was (undefined: new) and what it is; for a
 * `download/changed`, the state the engine's previous event about it named.
 */
export type EntryChange = {
  before: DownloadSnapshot | undefined
  after: DownloadSnapshot
  previousState?: DownloadState
}

/** A change event: its name and payload together (a snapshot's replay keeps them so). */
export type RevisionedEvent = {
  [K in RevisionedEventName]: { name: K; payload: EngineEvents[K] }
}[RevisionedEventName]

/**
 * What one step changed, for whoever keeps more than the mirror (the window's view, aria2's
 * stopped list, main's tally): enough to follow it in O(change), never a pass over the queue.
 */
export type MirrorChange =
  /** A snapshot replaced everything (`byId` is a new record). */
  | { name: 'engine/snapshot' }
  /** The next part of a snapshot read in parts: appended (or written over). */
  | { name: 'snapshot/part'; downloads: readonly DownloadSnapshot[] }
  | {
      name: 'download/added' | 'download/changed'
      event: RevisionedEvent
      /** Ids new to the mirror, appended to `order` in this order. */
      fresh: readonly string[]
      /** Every entry written, in the event's order. */
      entries: readonly EntryChange[]
      /**
       * Entries not applied, each saying why: a download or description that fails the schema,
       * or a patch of a download the mirror does not hold. The mirror no longer matches the engine: read a
       * snapshot (EngineMirror does).
       */
      rejected: readonly string[]
    }
  | {
      name: 'download/removed'
      event: EngineEvents['download/removed']
      /** The removed downloads as they were last (ids the mirror did not hold are left out). */
      gone: readonly DownloadSnapshot[]
    }
  | { name: 'download/moved'; event: EngineEvents['download/moved'] }
  | { name: 'settings/changed'; event: EngineEvents['settings/changed'] }
  | {
      name: 'progress/beat'
      event: EngineEvents['progress/beat']
      /** The downloads whose figures this beat changed, as they are now. */
      moved: readonly DownloadSnapshot[]
    }

/**
 * A whole snapshot as the next state. Unchanged downloads keep their object, so what shows them
 * (a row) need not change after a resync.
 */
export function resetState(
  state: MirrorState,
  snapshot: Pick<EngineEvents['engine/snapshot'], 'revision' | 'downloads' | 'settings'>,
): MirrorState {
  const byId: Record<string, DownloadSnapshot> = {}
  const order: string[] = []
  for (const download of snapshot.downloads) {
    const previous = state.byId[download.id]
    byId[download.id] = previous && sameSnapshot(previous, download) ? previous : download
    order.push(download.id)
  }
  return { byId, order, revision: snapshot.revision, loaded: true, settings: snapshot.settings }
}

/** The next part of a snapshot read in parts: written into `byId` in place, new ids appended. */
export function appendPart(
  state: MirrorState,
  downloads: readonly DownloadSnapshot[],
): MirrorState {
  const index = state.byId as Record<string, DownloadSnapshot>
  const added: string[] = []
  for (const download of downloads) {
    if (!(download.id in index)) added.push(download.id)
    index[download.id] = download
  }
  return added.length === 0 ? state : { ...state, order: [...state.order, ...added] }
}

/**
 * Applies one change event, whatever its revision (the sequencing is EngineMirror's): returns
 * the next state and what changed. `byId` is written in place (see MirrorState). `check`: each
 * download an added or changed event carries is checked against its schema first; off only
 * for events straight from the engine in this process (see EngineMirror's `trusted`).
 */
export function applyEvent(
  state: MirrorState,
  event: RevisionedEvent,
  check = true,
): { next: MirrorState; change: MirrorChange } {
  switch (event.name) {
    case 'download/added':
      return applyAdded(state, event as RevisionedEvent & { name: 'download/added' }, check)
    case 'download/changed':
      return applyChanges(state, event as RevisionedEvent & { name: 'download/changed' }, check)
    case 'download/removed': {
      const index = state.byId as Record<string, DownloadSnapshot>
      const gone: DownloadSnapshot[] = []
      const ids = new Set<string>()
      for (const id of event.payload.ids) {
        const last = index[id]
        if (last === undefined || ids.has(id)) continue
        ids.add(id)
        gone.push(last)
        delete index[id]
      }
      const order = ids.size === 0 ? state.order : state.order.filter((id) => !ids.has(id))
      return {
        next: { ...state, order, revision: event.payload.revision },
        change: { name: 'download/removed', event: event.payload, gone },
      }
    }
    case 'download/moved':
      return {
        next: {
          ...state,
          order: applyBlockMove(state.order, event.payload),
          revision: event.payload.revision,
        },
        change: { name: 'download/moved', event: event.payload },
      }
    case 'settings/changed':
      return {
        next: { ...state, settings: event.payload.settings, revision: event.payload.revision },
        change: { name: 'settings/changed', event: event.payload },
      }
  }
}

/**
 * Puts downloads in (or over their old copies); new ones are appended to the order. Each is
 * checked against the schema of a whole download first: over a socket it was put back together
 * from the shared fields and its own (added-on-wire.ts), and one that fails is refused, as a
 * bad `download/changed` entry is.
 */
function applyAdded(
  state: MirrorState,
  event: RevisionedEvent & { name: 'download/added' },
  check: boolean,
): { next: MirrorState; change: MirrorChange } {
  const index = state.byId as Record<string, DownloadSnapshot>
  const fresh: string[] = []
  const entries: EntryChange[] = []
  const rejected: string[] = []
  // Put together from the wire, each was checked then (added-on-wire.ts).
  const known = check ? problemsOnArrival(event.payload) : undefined
  const { downloads } = event.payload
  // In the event's order: a download named twice in one event ends as its second entry.
  for (let i = 0; i < downloads.length; i++) {
    const download = downloads[i]!
    const problem = !check ? null : known !== undefined ? known[i]! : describeBadAdded(download)
    if (problem !== null) {
      rejected.push(problem)
      continue
    }
    const before = index[download.id]
    if (before === undefined) fresh.push(download.id)
    entries.push({ before, after: download })
    index[download.id] = download
  }
  const order = fresh.length === 0 ? state.order : state.order.concat(fresh)
  return {
    next: { ...state, order, revision: event.payload.revision },
    change: { name: 'download/added', event, fresh, entries, rejected },
  }
}

/**
 * A `download/changed` in one pass: each description checked (download-patch.ts), a whole one
 * put in as `upsert` does, a patch written over the entry it names.
 */
function applyChanges(
  state: MirrorState,
  event: RevisionedEvent & { name: 'download/changed' },
  check: boolean,
): { next: MirrorState; change: MirrorChange } {
  const index = state.byId as Record<string, DownloadSnapshot>
  const fresh: string[] = []
  const entries: EntryChange[] = []
  const rejected: string[] = []
  for (const { download, previousState } of event.payload.changes) {
    const problem = check ? describeBadDescription(download) : null
    if (problem !== null) {
      rejected.push(problem)
      continue
    }
    const before = index[download.id]
    if (before === undefined) {
      if (!isWhole(download)) {
        rejected.push(`download ${download.id}: a change of a download this copy does not hold`)
        continue
      }
      fresh.push(download.id)
    }
    const after =
      before === undefined ? (download as DownloadSnapshot) : applyDescription(before, download)
    entries.push({ before, after, previousState })
    index[download.id] = after
  }
  const order = fresh.length === 0 ? state.order : state.order.concat(fresh)
  return {
    next: { ...state, order, revision: event.payload.revision },
    change: { name: 'download/changed', event, fresh, entries, rejected },
  }
}

/**
 * One heartbeat's figures: only downloads whose figures changed get a new object (written in
 * place in `byId`); `order` and every other object stay the same. States never change on a
 * beat (they come as `download/changed`).
 */
export function applyBeat(
  state: MirrorState,
  beat: EngineEvents['progress/beat'],
): readonly DownloadSnapshot[] {
  const index = state.byId as Record<string, DownloadSnapshot>
  const moved: DownloadSnapshot[] = []
  for (const item of beat.items) {
    const current = index[item.id]
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
    const next: DownloadSnapshot = {
      ...current,
      done: item.done,
      size: item.size,
      speed: item.speed,
      eta: item.eta,
      connections: item.connections,
      ...(item.lastByteAt === undefined ? {} : { lastByteAt: item.lastByteAt }),
    }
    index[item.id] = next
    moved.push(next)
  }
  return moved
}

function sameSnapshot(a: DownloadSnapshot, b: DownloadSnapshot): boolean {
  const keys = Object.keys(b) as (keyof DownloadSnapshot)[]
  // A field the engine dropped (a file found again loses `fileMissing`) is a change too.
  if (Object.keys(a).length !== keys.length) return false
  for (const key of keys) {
    const x = a[key]
    const y = b[key]
    if (x === y) continue
    if (typeof x === 'object' && typeof y === 'object' && JSON.stringify(x) === JSON.stringify(y))
      continue
    return false
  }
  return true
}
