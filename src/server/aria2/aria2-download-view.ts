import type { EngineApi } from '../../shared/protocol/api.ts'
import {
  EngineMirror,
  memoryStorage,
  wholeSnapshot,
  type MirrorChange,
  type MirrorState,
} from '../../shared/protocol/engine-mirror.ts'
import type { DownloadSnapshot, DownloadState, Settings } from '../../shared/protocol/model.ts'
import type { EventSource } from '../../shared/protocol/rpc.ts'
import { Emitter } from '../../shared/emitter.ts'
import { methodError } from './aria2-error.ts'
import { gidOf, isGidText } from './aria2-gid.ts'

/** The notifications aria2 sends to every WebSocket client, each with `[{ gid }]`. */
export type Aria2Notification =
  | 'aria2.onDownloadStart'
  | 'aria2.onDownloadPause'
  | 'aria2.onDownloadStop'
  | 'aria2.onDownloadComplete'
  | 'aria2.onDownloadError'

/** How aria2 groups a download: `tellActive`, `tellWaiting` or `tellStopped`. */
export type Aria2Group = 'active' | 'waiting' | 'stopped'

/** States aria2 calls `active`: a transfer runs, or waits to retry (it is still the engine's). */
const RUNNING: ReadonlySet<DownloadState> = new Set([
  'probing',
  'downloading',
  'verifying',
  'retrying',
])
/** A retry wait is `active` for aria2 but does not start anything when it ends. */
const TRANSFERRING: ReadonlySet<DownloadState> = new Set(['probing', 'downloading', 'verifying'])

export function groupOf(state: DownloadState): Aria2Group {
  if (RUNNING.has(state)) return 'active'
  if (state === 'queued' || state === 'paused') return 'waiting'
  return 'stopped'
}

/** Finished results that aria2 keeps (its `--max-download-result` default). */
const MAX_REMOVED_RESULTS = 1000

type Engine = EngineApi & EventSource

/**
 * The aria2 layer's view of the engine, kept by an EngineMirror (shared/protocol/
 * engine-mirror.ts: a snapshot at start and after a missed revision, then `download/*` and
 * `progress/beat`): AriaNg asks for every list once a second, and answering from here costs no
 * engine call and no copy of the queue.
 *
 * It also keeps what aria2 has and Downpour does not: the order in which downloads stopped
 * (`tellStopped` is oldest first) and the results of downloads removed while active (aria2
 * lists them as `removed` until purged; the engine forgets them at once).
 */
export class Aria2DownloadView {
  readonly notifications = new Emitter<{ notify: { method: Aria2Notification; gid: string } }>()
  #mirror: EngineMirror
  /**
   * GID → id, worked out when a GID is first looked up (`find`) and followed from then on. A
   * SHA-256 per download added or changed cost `downpour serve` a hash for each of a 10,000
   * add's downloads (and again for each remove), aria2 client or none (issue 24).
   */
  #byGid: Map<string, string> | null = null
  #stopped: string[] = []
  #removed = new Map<string, DownloadSnapshot>()
  #stoppedTotal = 0
  #snapshots = 0
  /** Settles with the first snapshot: whoever calls a method awaits it and gets its error. */
  readonly ready: Promise<void>

  /** `trusted`: `engine` is the engine in this process (see EngineMirror). */
  constructor(engine: Engine, options: { trusted?: boolean } = {}) {
    this.#mirror = new EngineMirror({
      trusted: options.trusted === true,
      read: wholeSnapshot(engine),
      storage: memoryStorage((change, state) => this.#follow(change, state)),
    })
    this.#mirror.follow(engine)
    this.ready = this.#mirror.firstRead
  }

  close(): void {
    this.#mirror.stop()
  }

  get settings(): Settings {
    const { settings } = this.#mirror.state
    if (!settings) throw methodError('the engine is not ready yet')
    return settings
  }

  /** Downloads of a group, in aria2's order (stopped: oldest first). */
  list(group: Aria2Group): DownloadSnapshot[] {
    if (group === 'stopped') return this.#stopped.map((id) => this.#get(id)!)
    const { byId, order } = this.#mirror.state
    const out: DownloadSnapshot[] = []
    for (const id of order) {
      const d = byId[id]!
      if (groupOf(d.state) === group) out.push(d)
    }
    return out
  }

  count(group: Aria2Group): number {
    if (group === 'stopped') return this.#stopped.length
    const { byId, order } = this.#mirror.state
    let n = 0
    for (const id of order) if (groupOf(byId[id]!.state) === group) n++
    return n
  }

  get stoppedTotal(): number {
    return this.#stoppedTotal
  }

  /** Resolves a GID or a unique prefix of one, with aria2's messages when it cannot. */
  find(gid: string): DownloadSnapshot {
    if (!isGidText(gid)) throw methodError(`Invalid GID ${gid}`)
    const lower = gid.toLowerCase()
    const byGid = this.#gids()
    let found: string | undefined = byGid.get(lower)
    if (!found && lower.length < 16) {
      for (const [g, id] of byGid) {
        if (!g.startsWith(lower)) continue
        if (found) throw methodError(`GID ${gid} is not unique`)
        found = id
      }
    }
    const download = found ? this.#get(found) : undefined
    if (!download) throw methodError(`GID ${gid} is not found`)
    return download
  }

  /** Forgets a stopped result (aria2's removeDownloadResult); the engine's record is the caller's. */
  forgetRemoved(id: string): boolean {
    if (!this.#removed.delete(id)) return false
    this.#stopped = this.#stopped.filter((other) => other !== id)
    this.#byGid?.delete(gidOf(id))
    return true
  }

  /** The GID index, made from the mirror and the kept results at the first lookup. */
  #gids(): Map<string, string> {
    if (this.#byGid !== null) return this.#byGid
    const byGid = new Map<string, string>()
    for (const id of this.#mirror.state.order) byGid.set(gidOf(id), id)
    for (const id of this.#removed.keys()) byGid.set(gidOf(id), id)
    this.#byGid = byGid
    return byGid
  }

  /** Ids of results kept only here (removed while active). */
  removedIds(): string[] {
    return [...this.#removed.keys()]
  }

  #get(id: string): DownloadSnapshot | undefined {
    return (
      (Object.hasOwn(this.#mirror.state.byId, id) ? this.#mirror.state.byId[id] : undefined) ??
      this.#removed.get(id)
    )
  }

  /** aria2's bookkeeping for one step of the mirror (which already holds it). */
  #follow(change: MirrorChange, state: MirrorState): void {
    switch (change.name) {
      case 'engine/snapshot': {
        const byGid = this.#byGid
        if (byGid !== null)
          for (const [gid, id] of byGid) if (!this.#removed.has(id)) byGid.delete(gid)
        const finished: DownloadSnapshot[] = []
        for (const id of state.order) {
          byGid?.set(gidOf(id), id)
          const d = state.byId[id]!
          if (groupOf(d.state) === 'stopped') finished.push(d)
        }
        finished.sort((a, b) => (a.completedAt ?? a.createdAt) - (b.completedAt ?? b.createdAt))
        const kept = this.#stopped.filter((id) => this.#removed.has(id))
        this.#stopped = [...kept, ...finished.map((d) => d.id)]
        if (this.#snapshots++ === 0) this.#stoppedTotal = finished.length
        return
      }
      case 'snapshot/part':
        if (this.#byGid !== null)
          for (const d of change.downloads) this.#byGid.set(gidOf(d.id), d.id)
        return
      case 'download/added':
        // New ids only: a download the mirror knew has its GID already.
        if (this.#byGid !== null) for (const id of change.fresh) this.#byGid.set(gidOf(id), id)
        return
      case 'download/changed': {
        if (change.event.name !== 'download/changed') return
        if (this.#byGid !== null) for (const id of change.fresh) this.#byGid.set(gidOf(id), id)
        // Downloads leaving the stopped list are dropped from it in one pass per event.
        const leaving = new Set<string>()
        // The entries as the mirror now holds them (a change may carry only what changed).
        for (const { after, before, previousState } of change.entries)
          this.#transition(after, previousState ?? before?.state ?? after.state, leaving)
        if (leaving.size > 0) this.#stopped = this.#stopped.filter((id) => !leaving.has(id))
        return
      }
      case 'download/removed': {
        const leaving = new Set<string>()
        for (const last of change.gone) {
          // The engine announces no change to `removed` before a removal: aria2's bookkeeping
          // for it (an active download leaves a `removed` result) is done here.
          this.#transition({ ...last, state: 'removed' }, last.state, leaving)
          if (!this.#removed.has(last.id)) {
            leaving.add(last.id)
            this.#byGid?.delete(gidOf(last.id))
          }
        }
        if (leaving.size > 0) this.#stopped = this.#stopped.filter((id) => !leaving.has(id))
        return
      }
      default:
        // Moves, settings and beats change only what the mirror holds.
        return
    }
  }

  /** aria2's bookkeeping and notifications for one state change. */
  #transition(download: DownloadSnapshot, previous: DownloadState, leaving: Set<string>): void {
    const { id, state } = download
    if (state === previous) return
    const notify = (method: Aria2Notification) =>
      this.notifications.emit('notify', { method, gid: gidOf(id) })
    const wasStopped = groupOf(previous) === 'stopped'
    if (state === 'completed' || state === 'failed') {
      if (!wasStopped) {
        this.#stopped.push(id)
        this.#stoppedTotal++
      }
      notify(state === 'completed' ? 'aria2.onDownloadComplete' : 'aria2.onDownloadError')
    } else if (state === 'removed') {
      // Removing a waiting or paused download just drops it; an active one leaves a result.
      if (RUNNING.has(previous)) {
        this.#removed.set(id, download)
        this.#stopped.push(id)
        this.#stoppedTotal++
        while (this.#removed.size > MAX_REMOVED_RESULTS) {
          const oldest = this.#stopped.find((other) => this.#removed.has(other))!
          this.forgetRemoved(oldest)
        }
        notify('aria2.onDownloadStop')
      }
    } else {
      if (wasStopped) leaving.add(id)
      if (TRANSFERRING.has(state) && !RUNNING.has(previous)) notify('aria2.onDownloadStart')
      if (state === 'paused' && RUNNING.has(previous)) notify('aria2.onDownloadPause')
    }
  }
}
