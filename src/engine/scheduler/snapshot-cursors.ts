import type { SnapshotHead, SnapshotPart } from '../../shared/protocol/api.ts'
import type { DownloadSnapshot, Settings } from '../../shared/protocol/model.ts'
import { DownpourError, ERROR_CODES } from '../../shared/protocol/errors.ts'

/** What the cursors need from the scheduler: the queue now and a download's snapshot now. */
export type SnapshotSource = {
  revision(): number
  order(): readonly string[]
  settings(): Settings
  /** The download's snapshot as it is now; null once it was removed. */
  snapshotOf(id: string): DownloadSnapshot | null
}

/** Cursors kept at once; a client that went away mid-read costs one slot until pushed out. */
export const MAX_SNAPSHOT_CURSORS = 8

/**
 * Snapshots read in parts (`snapshotHead` + `snapshotPart`). A cursor keeps only the queue's
 * order at the head's revision (ids: ~80 KB for 10,000 downloads), not the downloads: each part
 * is built when it is asked for, so a 10,000-download snapshot never sits in memory whole, and
 * serializing it is spread over as many turns of the event loop as there are parts instead of
 * one ~4 MB `JSON.stringify` that stalls the heartbeat and the transfers.
 *
 * Consistency: the order is the one at `revision`; a part's downloads are at least as new as
 * `revision`; removed ones are skipped. Events after `revision` carry whole downloads, patches
 * naming every field they change (download-patch.ts) or the whole order, so replaying them in
 * order after the last part gives the engine's state.
 */
export class SnapshotCursors {
  #source: SnapshotSource
  #next = 0
  /** Insertion order is age: the first key is the oldest cursor. */
  #cursors = new Map<string, { ids: readonly string[]; at: number }>()

  constructor(source: SnapshotSource) {
    this.#source = source
  }

  head(first: number): SnapshotHead {
    const ids = [...this.#source.order()]
    const head: SnapshotHead = {
      revision: this.#source.revision(),
      downloads: this.#build(ids, 0, first),
      total: ids.length,
      settings: this.#source.settings(),
      cursor: null,
    }
    if (first < ids.length) {
      const cursor = `s${++this.#next}`
      this.#cursors.set(cursor, { ids, at: first })
      while (this.#cursors.size > MAX_SNAPSHOT_CURSORS)
        this.#cursors.delete(this.#cursors.keys().next().value!)
      head.cursor = cursor
    }
    return head
  }

  part(cursor: string, count: number): SnapshotPart {
    const open = this.#cursors.get(cursor)
    if (!open)
      throw new DownpourError(
        ERROR_CODES.notFound,
        `no snapshot cursor ${JSON.stringify(cursor.slice(0, 64))} (finished, or dropped for newer ones); start again with snapshotHead`,
      )
    const downloads = this.#build(open.ids, open.at, count)
    open.at = Math.min(open.ids.length, open.at + count)
    const done = open.at >= open.ids.length
    if (done) this.#cursors.delete(cursor)
    return { downloads, cursor: done ? null : cursor }
  }

  /** Cursors open now (tests). */
  get open(): number {
    return this.#cursors.size
  }

  #build(ids: readonly string[], from: number, count: number): DownloadSnapshot[] {
    const out: DownloadSnapshot[] = []
    for (let i = from; i < Math.min(ids.length, from + count); i++) {
      const snapshot = this.#source.snapshotOf(ids[i]!)
      if (snapshot !== null) out.push(snapshot)
    }
    return out
  }
}
