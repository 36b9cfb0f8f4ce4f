import { join } from 'node:path'
import type { Selection } from '../../shared/protocol/api.ts'
import { DownpourError, ERROR_CODES } from '../../shared/protocol/errors.ts'
import type { DownloadRecord } from '../model/download-record.ts'
import { DuplicateIndex } from './duplicate-index.ts'
import { QueuePlaces } from './queue-places.ts'

/**
 * The queue's downloads and the indexes kept beside them: records by id, the queue order, the
 * duplicate key, each one's place and last announced state, and the final paths their names
 * reserve. Every part of the scheduler reads the queue through this one table.
 */
export class DownloadTable {
  /**
   * Work counters: records a command or the pump looked at. A command on k downloads costs
   * O(k), a started download O(log n): tests hold the engine to that.
   */
  readonly work = { visited: 0 }
  /** The downloads by duplicate key, kept up to date (an add never scans the queue). */
  readonly duplicates = new DuplicateIndex((id) => this.#records.get(id))
  /** Queue position and last announced state per id (positions renumbered only by a move). */
  readonly places = new QueuePlaces()
  /**
   * Final paths owned by downloads of this engine, from the moment a name is chosen until the
   * download is removed — paused or not — so no other download can take its name or `.part`.
   */
  readonly reservedPaths = new Set<string>()
  #records = new Map<string, DownloadRecord>()
  #order: string[] = []

  get(id: string): DownloadRecord | undefined {
    return this.#records.get(id)
  }

  has(id: string): boolean {
    return this.#records.has(id)
  }

  /** The record, or a DP_ERR_NOT_FOUND naming the id. */
  require(id: string): DownloadRecord {
    const record = this.#records.get(id)
    if (!record) throw notFound(id)
    return record
  }

  /** Ids in queue order. */
  get order(): readonly string[] {
    return this.#order
  }

  /**
   * The loaded queue's Map becomes the table's when nothing was added before (one Map of
   * 100,000, not two). False: the records are to be inserted one by one.
   */
  adopt(records: Map<string, DownloadRecord>): boolean {
    if (this.#records.size !== 0) return false
    this.#records = records
    return true
  }

  /** A record joins the queue's indexes (order, duplicate key, position, its name's reservation). */
  insert(record: DownloadRecord, known = false): void {
    if (!known) this.#records.set(record.id, record)
    this.#order.push(record.id)
    this.duplicates.add(record)
    this.places.add(record.id, record.state)
    if (record.nameChosen) this.reservedPaths.add(join(record.dir, record.name))
  }

  /** The records a selection names, in its order; an unknown id is an error. */
  select(selection: Selection): DownloadRecord[] {
    if ('all' in selection) {
      this.work.visited += this.#order.length
      return this.#order.map((id) => this.#records.get(id)!)
    }
    this.work.visited += selection.ids.length
    return selection.ids.map((id) => {
      const record = this.#records.get(id)
      if (!record) throw notFound(id)
      return record
    })
  }

  /** Records leave the queue order: one pass over the queue, whatever the number removed. */
  dropFromOrder(gone: ReadonlySet<string>): void {
    this.#order = this.#order.filter((id) => !gone.has(id))
    this.work.visited += this.#order.length
  }

  /** A record leaves the table's indexes (after `dropFromOrder`). */
  forget(record: DownloadRecord): void {
    this.#records.delete(record.id)
    this.places.delete(record.id)
    this.duplicates.delete(record)
    if (record.nameChosen) this.reservedPaths.delete(join(record.dir, record.name))
  }

  /** The queue takes a new order (a move): positions renumbered in it. */
  reorder(order: string[]): void {
    this.#order = order
    this.places.renumber(order)
  }
}

export function notFound(id: string): DownpourError {
  return new DownpourError(ERROR_CODES.notFound, `no download with id ${id}`)
}
