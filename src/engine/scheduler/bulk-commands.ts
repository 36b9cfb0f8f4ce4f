import type { Emitter } from '../../shared/emitter.ts'
import type { Selection } from '../../shared/protocol/api.ts'
import {
  planBlockMove,
  type MovedBlock,
  type MoveTarget,
} from '../../shared/protocol/block-move.ts'
import type { EngineEvents } from '../../shared/protocol/events.ts'
import type { DownloadRecord } from '../model/download-record.ts'
import type { QueueStore } from '../storage/queue-store.ts'
import { deletePartFiles } from '../transfer/download-transfer.ts'
import type { ChangePublisher } from './change-publisher.ts'
import type { DownloadPump } from './download-pump.ts'
import type { DownloadTable } from './download-table.ts'
import type { EventBatch } from './event-batch.ts'
import type { TransferRuns } from './transfer-runs.ts'

/** What pausing a download whose server never said whether it does ranges honestly promises. */
export const MAY_NOT_RESUME =
  'may not resume: the server did not say it supports ranges; resuming tries, and starts over if it cannot'

const PAUSABLE: ReadonlySet<string> = new Set([
  'queued',
  'probing',
  'downloading',
  'retrying',
  'verifying',
])

export type BulkParts = {
  table: DownloadTable
  publisher: ChangePublisher
  runs: TransferRuns
  pump: DownloadPump
  batch: EventBatch
  store: QueueStore | null
  events: Emitter<EngineEvents>
  nextRevision(): number
  /** A removed download leaves what the scheduler keeps beside the table (history, watch…). */
  forget(record: DownloadRecord): void
}

/**
 * The commands on many downloads at once (pause, resume, retry, Start now, remove, move). Each
 * is one pass over what it names — or over the queue once, for a removal or a move — with one
 * journal line for the downloads that are not running and one event per kind (EventBatch), so
 * 10,000 ids cost what 10,000 records do, not 10,000 commands.
 */
export class BulkCommands {
  #p: BulkParts

  constructor(parts: BulkParts) {
    this.#p = parts
  }

  async pause(selection: Selection): Promise<{ affected: string[] }> {
    const { table, runs, publisher } = this.#p
    const affected = table.select(selection).filter((r) => PAUSABLE.has(r.state))
    // Those not running change state together: one journal line for all of them.
    publisher.setStates(
      affected.filter((r) => !runs.running.has(r.id)),
      'paused',
      { nextRetryAt: null },
    )
    await Promise.all(
      affected.filter((r) => r.state !== 'paused').map((r) => runs.stop(r, 'paused')),
    )
    // Said where the person looks: a paused download the server cannot resume starts over, and
    // one whose server never said is only tried.
    for (const r of affected) {
      if (r.state !== 'paused' || r.resumable === true) continue
      if (r.resumable === false)
        publisher.log(
          'warn',
          r.id,
          r.size === null
            ? `${r.name}: cannot resume: the server sent no length (a chunked answer)`
            : `${r.name}: cannot resume: the server does not support ranges`,
        )
      else if (r.done > 0) publisher.log('warn', r.id, `${r.name}: ${MAY_NOT_RESUME}`)
    }
    this.#p.pump.pump()
    return { affected: affected.map((r) => r.id) }
  }

  resume(selection: Selection): { affected: string[] } {
    const affected = this.#p.table.select(selection).filter((r) => r.state === 'paused')
    // The person acted: why it was paused (a full disk) no longer describes it.
    this.#p.publisher.setStates(affected, 'queued', { failuresInARow: 0, error: null })
    this.#p.pump.pump()
    return { affected: affected.map((r) => r.id) }
  }

  /**
   * Failed downloads wait again, ahead of every download already waiting: a retry is something
   * the person asked for now, not a new download for the back of the queue. Those standing
   * behind the first waiting download move, as one block and in their order, to just before it
   * (one `download/moved`); the rest keep their places. Then one `download/changed` for all.
   */
  retry(selection: Selection): { affected: string[] } {
    const { table, pump } = this.#p
    const affected = table.select(selection).filter((r) => r.state === 'failed')
    const first = affected.length > 0 ? pump.firstWaiting() : null
    if (first !== null) {
      const behind = affected.filter((r) => table.places.position(r.id)! > first.position)
      if (behind.length > 0)
        this.moveMany(
          behind.map((r) => r.id),
          { before: first.id },
        )
    }
    this.#p.publisher.setStates(affected, 'queued', { failuresInARow: 0, error: null })
    pump.pump()
    return { affected: affected.map((r) => r.id) }
  }

  /**
   * Starts queued or paused downloads at once, past "Downloads at once" (as IDM's and FDM's
   * Start on a waiting download): the person chose these to run now. Each keeps its place in
   * the queue and counts among the running from then on, so nothing else starts until fewer
   * than the limit run. Its first connection opens even when its server's connection cap is
   * reached (one over, per download started so); further connections keep to the cap. Others
   * in the selection are left as they are (a failed download has Retry).
   */
  startNow(selection: Selection): { affected: string[] } {
    const { table, runs, pump } = this.#p
    // The shared statistics have room for MAX_DOWNLOADS running downloads: past that, the
    // rest keep waiting (not in `affected`).
    const affected = table
      .select(selection)
      .filter((r) => (r.state === 'queued' || r.state === 'paused') && !runs.running.has(r.id))
      .slice(0, runs.freeSlots)
    this.#p.publisher.setStates(
      affected.filter((r) => r.state === 'paused'),
      'queued',
      { failuresInARow: 0 },
    )
    for (const record of affected) runs.start(record, pump.hostOf(record), { force: true })
    pump.pump()
    return { affected: affected.map((r) => r.id) }
  }

  async remove(
    selection: Selection,
    options: { deleteFiles?: boolean },
  ): Promise<{ affected: string[] }> {
    const { table, runs, batch, store } = this.#p
    const affected = table.select(selection)
    const wasCompleted = new Set(affected.filter((r) => r.state === 'completed').map((r) => r.id))
    await Promise.all(affected.map((record) => runs.stop(record, 'removed')))
    table.dropFromOrder(new Set(affected.map((r) => r.id)))
    for (const record of affected) {
      batch.removed(record.id)
      table.forget(record)
      this.#p.forget(record)
      store?.remove(record.id)
      if (options.deleteFiles && record.nameChosen && !wasCompleted.has(record.id)) {
        await deletePartFiles(record.dir, record.name)
      }
    }
    this.#p.pump.pump()
    return { affected: affected.map((r) => r.id) }
  }

  /**
   * One pass over the queue whatever the number moved: the plan, the new positions and the
   * waiting heap are each O(n); one journal line and one event name only the moved ids.
   */
  moveMany(ids: string[], to: MoveTarget): MovedBlock {
    const { table, pump } = this.#p
    table.work.visited += table.order.length
    const { moved, order } = planBlockMove(table.order, ids, to)
    // Alt+Up on the first row or Alt+Down on the last (a held key repeats it), or a drop where
    // the rows already are, changes nothing: no event, no revision, no save.
    if (order === null) return moved
    // Positions change for everyone between the old places and the new: renumber, and the
    // waiting heap takes the new numbers (no entry is made again: no URL parsed again).
    table.reorder(order)
    pump.renumber()
    this.#p.batch.flush()
    this.#p.events.emit('download/moved', { revision: this.#p.nextRevision(), ...moved })
    this.#p.store?.moveBlock(moved.ids, moved.position)
    pump.pump()
    return moved
  }
}
