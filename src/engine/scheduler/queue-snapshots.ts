import type { EngineApi } from '../../shared/protocol/api.ts'
import { pickPatch, type DownloadPatch } from '../../shared/protocol/download-patch.ts'
import type { DownloadSnapshot, Settings } from '../../shared/protocol/model.ts'
import { toSnapshot, type DownloadRecord } from '../model/download-record.ts'
import type { RecordPatchField } from './event-batch.ts'
import type { DownloadTable } from './download-table.ts'
import type { MissingFiles } from './missing-files.ts'
import { SnapshotCursors } from './snapshot-cursors.ts'

export type SnapshotParts = {
  table: DownloadTable
  revision(): number
  settings(): Settings
  /** A running download's live figures (the heartbeat's). */
  figures(record: DownloadRecord): { speed: number; eta: number | null; lastByteAt?: number }
  /** Open connections of a running download (0 when it is not running). */
  connections(id: string): number
  missingFiles: MissingFiles
}

/**
 * How the queue is described to clients: one download as it is now (its record with the live
 * figures and what the scheduler knows beside it), the fields a patch names, the whole queue,
 * and the queue read in parts (SnapshotCursors).
 */
export class QueueSnapshots {
  #p: SnapshotParts
  #cursors: SnapshotCursors

  constructor(parts: SnapshotParts) {
    this.#p = parts
    this.#cursors = new SnapshotCursors({
      revision: parts.revision,
      order: () => parts.table.order,
      settings: parts.settings,
      snapshotOf: (id) => this.ofId(id),
    })
  }

  of(record: DownloadRecord): DownloadSnapshot {
    const p = this.#p
    const live = p.figures(record)
    const snapshot = toSnapshot(
      record,
      { ...live, connections: p.connections(record.id) },
      p.settings(),
    )
    if (record.state === 'completed' && p.missingFiles.has(record.id)) snapshot.fileMissing = true
    return snapshot
  }

  /** The download as it is now, or null when the queue has none by that id. */
  ofId(id: string): DownloadSnapshot | null {
    const record = this.#p.table.get(id)
    return record ? this.of(record) : null
  }

  /** Its id, state and `fields` (the record holds them as a snapshot shows them), or null. */
  patchOf(id: string, fields: readonly RecordPatchField[]): DownloadPatch | null {
    const record = this.#p.table.get(id)
    return record ? pickPatch(record, fields) : null
  }

  whole(): Awaited<ReturnType<EngineApi['snapshot']>> {
    const { table } = this.#p
    return {
      revision: this.#p.revision(),
      downloads: table.order.map((id) => this.of(table.get(id)!)),
      settings: this.#p.settings(),
    }
  }

  head(first: number): ReturnType<SnapshotCursors['head']> {
    return this.#cursors.head(first)
  }

  part(cursor: string, count: number): ReturnType<SnapshotCursors['part']> {
    return this.#cursors.part(cursor, count)
  }
}
