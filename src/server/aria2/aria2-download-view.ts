import type { EngineApi } from '../../shared/protocol/api.ts'
import { applyBlockMove } from '../../shared/protocol/block-move.ts'
import { REVISIONED_EVENT_NAMES, type EngineEvents } from '../../shared/protocol/events.ts'
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
 * The aria2 layer's view of the engine, kept from the engine's events (a snapshot at start and
 * after a revision gap, then `download/*` and `progress/beat`): AriaNg asks for every list once
 * a second, and answering from here costs no engine call and no copy of the queue.
 *
 * It also keeps what aria2 has and Downpour does not: the order in which downloads stopped
 * (`tellStopped` is oldest first) and the results of downloads removed while active (aria2
 * lists them as `removed` until purged; the engine forgets them at once).
 */
export class Aria2DownloadView {
  readonly notifications = new Emitter<{ notify: { method: Aria2Notification; gid: string } }>()
  #engine: Engine
  #byId = new Map<string, DownloadSnapshot>()
  #order: string[] = []
  #byGid = new Map<string, string>()
  #stopped: string[] = []
  #removed = new Map<string, DownloadSnapshot>()
  #stoppedTotal = 0
  #settings: Settings | null = null
  #revision = -1
  /** Events that arrive while a snapshot is being fetched, applied after it. */
  #pending: { name: keyof EngineEvents; payload: unknown }[] | null = []
  #offs: (() => void)[] = []
  readonly ready: Promise<void>

  constructor(engine: Engine) {
    this.#engine = engine
    const names = [...REVISIONED_EVENT_NAMES, 'progress/beat' as const]
    for (const name of names) {
      this.#offs.push(
        engine.on(name, (payload) => {
          if (this.#pending) this.#pending.push({ name, payload })
          else this.#apply(name, payload)
        }),
      )
    }
    this.ready = this.#resync()
    // Whoever calls a method awaits `ready` and gets its error; nobody else has to.
    this.ready.catch(() => {})
  }

  close(): void {
    for (const off of this.#offs) off()
  }

  get settings(): Settings {
    if (!this.#settings) throw methodError('the engine is not ready yet')
    return this.#settings
  }

  /** Downloads of a group, in aria2's order (stopped: oldest first). */
  list(group: Aria2Group): DownloadSnapshot[] {
    if (group === 'stopped') return this.#stopped.map((id) => this.#get(id)!)
    const out: DownloadSnapshot[] = []
    for (const id of this.#order) {
      const d = this.#byId.get(id)!
      if (groupOf(d.state) === group) out.push(d)
    }
    return out
  }

  count(group: Aria2Group): number {
    if (group === 'stopped') return this.#stopped.length
    let n = 0
    for (const d of this.#byId.values()) if (groupOf(d.state) === group) n++
    return n
  }

  get stoppedTotal(): number {
    return this.#stoppedTotal
  }

  /** Resolves a GID or a unique prefix of one, with aria2's messages when it cannot. */
  find(gid: string): DownloadSnapshot {
    if (!isGidText(gid)) throw methodError(`Invalid GID ${gid}`)
    const lower = gid.toLowerCase()
    let found: string | undefined = this.#byGid.get(lower)
    if (!found && lower.length < 16) {
      for (const [g, id] of this.#byGid) {
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
    this.#byGid.delete(gidOf(id))
    return true
  }

  /** Ids of results kept only here (removed while active). */
  removedIds(): string[] {
    return [...this.#removed.keys()]
  }

  #get(id: string): DownloadSnapshot | undefined {
    return this.#byId.get(id) ?? this.#removed.get(id)
  }

  async #resync(): Promise<void> {
    this.#pending ??= []
    const snap = await this.#engine.snapshot()
    this.#byId.clear()
    this.#order = []
    for (const [gid, id] of this.#byGid) if (!this.#removed.has(id)) this.#byGid.delete(gid)
    for (const d of snap.downloads) this.#put(d)
    this.#order = snap.downloads.map((d) => d.id)
    const finished = snap.downloads.filter((d) => groupOf(d.state) === 'stopped')
    finished.sort((a, b) => (a.completedAt ?? a.createdAt) - (b.completedAt ?? b.createdAt))
    const kept = this.#stopped.filter((id) => this.#removed.has(id))
    this.#stopped = [...kept, ...finished.map((d) => d.id)]
    if (this.#revision < 0) this.#stoppedTotal = finished.length
    this.#settings = snap.settings
    this.#revision = snap.revision
    const pending = this.#pending
    this.#pending = null
    for (const { name, payload } of pending) {
      const revision = (payload as { revision?: number }).revision ?? 0
      if (name === 'progress/beat' || revision > snap.revision) this.#apply(name, payload as never)
    }
  }

  #apply<K extends keyof EngineEvents>(name: K, payload: EngineEvents[K]): void {
    if (name === 'progress/beat') {
      for (const item of (payload as EngineEvents['progress/beat']).items) {
        const d = this.#byId.get(item.id)
        if (!d) continue
        this.#byId.set(item.id, {
          ...d,
          done: item.done,
          size: item.size,
          speed: item.speed,
          eta: item.eta,
          connections: item.connections,
        })
      }
      return
    }
    const revision = (payload as { revision: number }).revision
    if (revision <= this.#revision) return
    if (revision !== this.#revision + 1) {
      // Missed an event (a remote engine dropped one): start again from a snapshot.
      void this.#resync().catch(() => {})
      return
    }
    this.#revision = revision
    switch (name) {
      case 'download/added': {
        for (const download of (payload as EngineEvents['download/added']).downloads) {
          // Already there when the snapshot was read while the add's event was on its way.
          if (!this.#byId.has(download.id)) this.#order.push(download.id)
          this.#put(download)
        }
        break
      }
      case 'download/changed': {
        // Downloads leaving the stopped list are dropped from it in one pass per event.
        const leaving = new Set<string>()
        for (const { download, previousState } of (payload as EngineEvents['download/changed'])
          .changes) {
          this.#put(download)
          this.#transition(download, previousState, leaving)
        }
        if (leaving.size > 0) this.#stopped = this.#stopped.filter((id) => !leaving.has(id))
        break
      }
      case 'download/removed': {
        const gone = new Set((payload as EngineEvents['download/removed']).ids)
        const leaving = new Set<string>()
        for (const id of gone) {
          // The engine announces no change to `removed` before a removal: aria2's bookkeeping
          // for it (an active download leaves a `removed` result) is done here.
          const last = this.#byId.get(id)
          if (last) this.#transition({ ...last, state: 'removed' }, last.state, leaving)
          this.#byId.delete(id)
          if (!this.#removed.has(id)) {
            leaving.add(id)
            this.#byGid.delete(gidOf(id))
          }
        }
        this.#order = this.#order.filter((id) => !gone.has(id))
        if (leaving.size > 0) this.#stopped = this.#stopped.filter((id) => !leaving.has(id))
        break
      }
      case 'download/moved':
        this.#order = applyBlockMove(this.#order, payload as EngineEvents['download/moved'])
        break
      case 'settings/changed':
        this.#settings = (payload as EngineEvents['settings/changed']).settings
        break
    }
  }

  #put(download: DownloadSnapshot): void {
    this.#byId.set(download.id, download)
    this.#byGid.set(gidOf(download.id), download.id)
  }

  /** aria2's bookkeeping and notifications for one state change. */
  #transition(download: DownloadSnapshot, previous: DownloadState, leaving: Set<string>): void {
    const { id, state } = download
    if (state === previous) return
    const gid = gidOf(id)
    const notify = (method: Aria2Notification) => this.notifications.emit('notify', { method, gid })
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
