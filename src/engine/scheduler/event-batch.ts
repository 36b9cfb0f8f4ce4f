import type { Emitter } from '../../shared/emitter.ts'
import { EVENT_ROWS } from '../../shared/protocol/events.ts'
import type { DownloadChange, EngineEvents } from '../../shared/protocol/events.ts'
import type { DownloadPatch } from '../../shared/protocol/download-patch.ts'
import type { DownloadSnapshot, DownloadState } from '../../shared/protocol/model.ts'

/**
 * The fields a bulk command sets and names (ChangePublisher.setStates): the record holds them
 * as the snapshot shows them, so a patch is read from the record without building a snapshot.
 */
export type RecordPatchField = 'error' | 'nextRetryAt'

type Hooks = {
  events: Emitter<EngineEvents>
  /** The next revision (one per event emitted). */
  nextRevision: () => number
  /** A download as it is now, or null once it left the queue. */
  snapshotOf: (id: string) => DownloadSnapshot | null
  /** Its id, state and `fields` as they are now, or null once it left the queue. */
  patchOf: (id: string, fields: readonly RecordPatchField[]) => DownloadPatch | null
}

/** What a batch knows of a changed download: the state last announced, and what changed. */
type Gathered = {
  previousState: DownloadState
  /** The fields that changed besides the state, or null: unknown, sent whole. */
  fields: RecordPatchField[] | null
}

/**
 * Gathers the queue's changes while a command runs and emits them as one event per kind when
 * the last open command ends: a pause of 10,000 downloads is one `download/changed`, not
 * 10,000 (each of which a window re-derived its whole view for). Outside a command each change
 * goes out at once, as a one-download event.
 *
 * Order on the wire is kept: added, then changed, then removed (a download started by the add
 * that listed it is announced after it), and anything emitted directly (`download/moved`,
 * `settings/changed`) flushes what is gathered first, so no event names a download its
 * client has not been told of yet. Each download is described as it is at the flush (an added
 * one as its add described it: a change since follows in the same flush); a change keeps the
 * first `previousState` seen in the batch (the state its client last heard of).
 *
 * A change whose caller names what it set (a bulk command on downloads not running: state,
 * error, next retry) goes out as a patch of those fields; any other is the download whole
 * (download-patch.ts). Two changes of one download in a batch merge: whole if either is.
 */
export class EventBatch {
  #hooks: Hooks
  #depth = 0
  /** Ids, or the snapshot the command already built (the add's reply holds the same). */
  #added: (string | DownloadSnapshot)[] = []
  #changed = new Map<string, Gathered>()
  #removed: string[] = []

  constructor(hooks: Hooks) {
    this.#hooks = hooks
  }

  /** Runs `command` with the batch open; what it changed goes out when the last command ends. */
  async run<T>(command: () => T | Promise<T>): Promise<T> {
    this.#depth++
    try {
      return await command()
    } finally {
      if (--this.#depth === 0) this.flush()
    }
  }

  /** `download`: the download as its add just described it (not built a second time). */
  added(id: string, download?: DownloadSnapshot): void {
    this.#added.push(download ?? id)
    if (this.#depth === 0) this.flush()
  }

  /**
   * `fields`: what changed besides the state, when the caller knows it exactly (then only
   * those are sent); left out, the download goes whole.
   */
  changed(id: string, previousState: DownloadState, fields?: readonly RecordPatchField[]): void {
    if (this.#depth === 0) {
      // Outside a command nothing is gathered (each command flushes as it ends): a
      // transfer's own step goes straight out, with no batch built around it.
      const download = this.#describe(id, fields ?? null)
      if (!download) return
      const changes = [{ download, previousState }]
      this.#hooks.events.emit('download/changed', { revision: this.#hooks.nextRevision(), changes })
      return
    }
    const gathered = this.#changed.get(id)
    if (!gathered) {
      this.#changed.set(id, { previousState, fields: fields ? [...fields] : null })
    } else if (gathered.fields !== null) {
      if (!fields) gathered.fields = null
      else for (const f of fields) if (!gathered.fields.includes(f)) gathered.fields.push(f)
    }
  }

  #describe(id: string, fields: readonly RecordPatchField[] | null) {
    return fields === null ? this.#hooks.snapshotOf(id) : this.#hooks.patchOf(id, fields)
  }

  /**
   * A removal says it all: a change gathered for the download (its state becoming `removed`)
   * is not announced, so a remove of many is one event. Clients that care what a download was
   * doing when it went (the aria2 view) know it from the events before.
   */
  removed(id: string): void {
    this.#changed.delete(id)
    this.#removed.push(id)
    if (this.#depth === 0) this.flush()
  }

  /** Emits what is gathered (at most `EVENT_ROWS` downloads per added/changed event). */
  flush(): void {
    const { events, nextRevision, snapshotOf } = this.#hooks
    if (this.#added.length > 0) {
      const ids = this.#added
      this.#added = []
      const downloads: DownloadSnapshot[] = []
      for (const item of ids) {
        const download = typeof item === 'string' ? snapshotOf(item) : item
        if (download) downloads.push(download)
      }
      for (const part of chunks(downloads)) {
        events.emit('download/added', { revision: nextRevision(), downloads: part })
      }
    }
    if (this.#changed.size > 0) {
      const gathered = this.#changed
      this.#changed = new Map()
      const changes: DownloadChange[] = []
      for (const [id, { previousState, fields }] of gathered) {
        const download = this.#describe(id, fields)
        if (download) changes.push({ download, previousState })
      }
      for (const part of chunks(changes)) {
        events.emit('download/changed', { revision: nextRevision(), changes: part })
      }
    }
    if (this.#removed.length > 0) {
      const ids = this.#removed
      this.#removed = []
      events.emit('download/removed', { revision: nextRevision(), ids })
    }
  }
}

function chunks<T>(items: T[]): T[][] {
  if (items.length <= EVENT_ROWS) return items.length === 0 ? [] : [items]
  const parts: T[][] = []
  for (let i = 0; i < items.length; i += EVENT_ROWS) parts.push(items.slice(i, i + EVENT_ROWS))
  return parts
}
