import type { Emitter } from '../../shared/emitter.ts'
import { ACTIVE_STATES, type DownloadState } from '../../shared/protocol/model.ts'
import type { LogLevel } from '../../shared/protocol/details.ts'
import type { EngineEvents } from '../../shared/protocol/events.ts'
import type { DownloadHistory } from '../details/download-history.ts'
import type { DownloadRecord } from '../model/download-record.ts'
import type { StateFields } from '../storage/queue-lines.ts'
import type { QueueStore } from '../storage/queue-store.ts'
import type { DownloadTable } from './download-table.ts'
import type { EventBatch, RecordPatchField } from './event-batch.ts'

/** The fields of StateFields a snapshot shows (`failuresInARow` is the engine's own). */
const PATCH_FIELDS: readonly RecordPatchField[] = ['error', 'nextRetryAt']

export type PublisherParts = {
  table: DownloadTable
  store: QueueStore | null
  events: Emitter<EngineEvents>
  batch: EventBatch
  history: DownloadHistory
  /** Whether the download's transfer was told to stop (pause, remove) and is winding down. */
  stopping(id: string): boolean
  closed(): boolean
  /** A download that became queued waits for the pump. */
  enqueue(record: DownloadRecord): void
}

/**
 * How a change of a record gets out: its journal line (or the reason there is none), the
 * history, the waiting heap when it became queued, and its event (gathered by the EventBatch
 * while a command runs). Also the log entries, and what the journal is known to hold of each
 * record's name and size (a publish waits for that).
 */
export class ChangePublisher {
  #p: PublisherParts
  /** Records whose chosen name reached the journal (see changed). */
  #namedSaved = new WeakSet<DownloadRecord>()
  /** The name and size the journal is known to hold for a record (see journalNow). */
  #journaledAs = new WeakMap<DownloadRecord, string>()

  constructor(parts: PublisherParts) {
    this.#p = parts
  }

  /** A record read back from the queue file: the journal holds its name and size. */
  loaded(record: DownloadRecord): void {
    if (!record.nameChosen) return
    this.#namedSaved.add(record)
    this.#journaledAs.set(record, journalKey(record))
  }

  setState(record: DownloadRecord, state: DownloadState, persist = true): void {
    record.state = state
    this.changed(record, persist)
  }

  /**
   * A command on many downloads that are not running: the same fields set on each, journaled
   * as one line (see QueueStore.set), then announced one by one as any change is — each as a
   * patch of its state and the shown fields whose value this changed (a resume of 10,000 sends
   * ~90 bytes a download, not ~400: download-patch.ts).
   */
  setStates(records: DownloadRecord[], state: DownloadState, fields: StateFields): void {
    if (records.length === 0) return
    const shown = PATCH_FIELDS.filter((f) => f in fields)
    const changedFields: (readonly RecordPatchField[] | undefined)[] = []
    for (const record of records) {
      // A completed download's snapshot may say `fileMissing`, which a patch cannot take away.
      changedFields.push(
        record.state === 'completed'
          ? undefined
          : shown.filter((f) => !sameValue(record[f], fields[f])),
      )
      Object.assign(record, fields, { state })
    }
    this.#p.store?.set(
      records.map((r) => r.id),
      { ...fields, state },
    )
    for (const [i, record] of records.entries()) this.changed(record, false, changedFields[i])
  }

  /**
   * `persist` is false when the caller journaled the change itself (setStates). `fields`: what
   * changed besides the state, when the caller knows it exactly (see EventBatch.changed).
   */
  changed(record: DownloadRecord, persist = true, fields?: readonly RecordPatchField[]): void {
    const p = this.#p
    if (!p.table.has(record.id)) return
    p.table.work.visited++
    if (persist) p.store?.put(record)
    // A stopped transfer reports its last states after the user paused it: keep the user's.
    const previousState = p.table.places.announced(record.id) ?? record.state
    if ((previousState === 'paused' || previousState === 'removed') && p.stopping(record.id)) {
      record.state = previousState
    }
    p.history.observe(record, previousState)
    if (p.closed() && ACTIVE_STATES.has(record.state)) return
    if (record.nameChosen && !this.#namedSaved.has(record)) {
      // A name chosen without journalNow (none should be): saved now, and again at the next
      // change until the journal holds it.
      if (p.store?.writeNow() !== false) this.#namedSaved.add(record)
    }
    if (record.state === 'queued' && previousState !== 'queued') p.enqueue(record)
    p.table.places.announce(record.id, record.state)
    p.batch.changed(record.id, previousState, fields)
  }

  /**
   * The record as it is now reaches the journal at once (the page cache: kill -9 cannot undo
   * that) — its chosen name before its `.part` is created, its size before it is published —
   * so a crash right after either finds a record that says which file is its own. A journal
   * that cannot be written (a full state folder) throws: the download pauses with that reason
   * rather than make a file no record names.
   */
  journalNow(record: DownloadRecord): void {
    const store = this.#p.store
    if (!store) return
    store.put(record)
    if (!store.writeNow()) throw store.failure!
    this.#namedSaved.add(record)
    this.#journaledAs.set(record, journalKey(record))
  }

  /** Whether the journal is known to hold the record's current name and size. */
  journaled(record: DownloadRecord): boolean {
    return this.#journaledAs.get(record) === journalKey(record)
  }

  log(
    level: LogLevel,
    id: string | null,
    message: string,
    error?: { code: string; message: string },
  ): void {
    this.#p.events.emit('log/entry', {
      at: Date.now(),
      level,
      id,
      message,
      ...(error ? { error } : {}),
    })
  }
}

/** What a publish needs the journal to know about a record: its folder, name and size. */
function journalKey(record: DownloadRecord): string {
  return `${record.dir}\0${record.name}\0${record.size}`
}

/** Whether a field set to `next` keeps its value (errors are objects: compared by content). */
function sameValue(current: unknown, next: unknown): boolean {
  if (current === next) return true
  if (current === null || next === null || typeof current !== 'object') return false
  const a = current as { code: string; message: string }
  const b = next as { code: string; message: string }
  return a.code === b.code && a.message === b.message
}
