import { join } from 'node:path'
import type { SegmentMap } from '../../shared/protocol/details.ts'
import { ACTIVE_STATES } from '../../shared/protocol/model.ts'
import type { DownloadRecord } from '../model/download-record.ts'
import type { ProgressHeartbeat } from '../stats/progress-heartbeat.ts'
import { MAX_DOWNLOADS, SlotAllocator } from '../stats/shared-stats.ts'
import type { OriginMarker } from '../storage/origin-marker.ts'
import { DownloadFolders } from '../storage/download-folders.ts'
import { DownloadTransfer } from '../transfer/download-transfer.ts'
import type { DownloadTable } from './download-table.ts'
import type { HostConnections } from './host-connections.ts'
import { RunContext, type ContextParts } from './run-context.ts'

export type RunParts = ContextParts & {
  table: DownloadTable
  hosts: HostConnections
  heartbeat: ProgressHeartbeat
  marker: OriginMarker | null
  /** A transfer's run ended and its resources are given back: the pump may start the next. */
  ended(record: DownloadRecord): void
}

/**
 * The running downloads: each one's start (its slot in the shared statistics, its host account,
 * its transfer and what the transfer may ask of the engine), its end (all of that given back),
 * and stopping it. The live figures of the running ones come from here.
 */
export class TransferRuns {
  #p: RunParts
  #transfers = new Map<string, DownloadTransfer>()
  #slots = new Map<string, number>()
  #downloadSlots = new SlotAllocator(MAX_DOWNLOADS)
  /** Made on first use, never made again once gone (also refuses a planted link). */
  #folders = new DownloadFolders()

  constructor(parts: RunParts) {
    this.#p = parts
  }

  /** The running downloads' transfers by id. */
  get running(): ReadonlyMap<string, DownloadTransfer> {
    return this.#transfers
  }

  /** Marks completed files with where they came from (flushed when the engine closes). */
  get marker(): OriginMarker | null {
    return this.#p.marker
  }

  /** Room left in the shared statistics for downloads started past the limit (Start now). */
  get freeSlots(): number {
    return this.#downloadSlots.free
  }

  /** `force`: Start now, whose first connection opens even at its host's cap (HostConnections). */
  start(record: DownloadRecord, host: string, options?: { force?: boolean }): void {
    const p = this.#p
    const hostAccount = p.hosts.open(host, options)
    const downloadSlot = this.#downloadSlots.take()
    const { stats } = p.shared
    stats.setRate(downloadSlot, record.speedLimit)
    // The slot's counter still holds the bytes of the download that used it last.
    stats.setDownloadBytes(downloadSlot, record.done)
    const transfer = new DownloadTransfer(
      record,
      new RunContext(p, record, hostAccount, this.#folders, p.table.reservedPaths, downloadSlot),
    )
    this.#transfers.set(record.id, transfer)
    this.#slots.set(record.id, downloadSlot)
    p.heartbeat.track(record.id)
    void transfer.run().then((outcome) => {
      this.#transfers.delete(record.id)
      this.#slots.delete(record.id)
      stats.setRate(downloadSlot, 0)
      this.#downloadSlots.give(downloadSlot)
      hostAccount.close()
      p.heartbeat.untrack(record.id)
      // A completed download was announced as such with its final figures; a failed or stopped
      // one made its last bytes durable after that (and now shows no connections).
      if (outcome !== 'completed') p.publisher.changed(record)
      else this.markOrigin(record)
      p.ended(record)
    })
  }

  /** Stops a record's transfer, if any, and puts it in `state` (paused or removed). */
  async stop(record: DownloadRecord, state: 'paused' | 'removed'): Promise<void> {
    const transfer = this.#transfers.get(record.id)
    if (transfer) await transfer.stop()
    record.nextRetryAt = null
    // A download that completed while being stopped stays completed (pausing it means nothing).
    if (state === 'paused' && record.state === 'completed') return
    // 'removed' is not journaled: the `del` line the removal appends next says it (a crash
    // before that leaves the download as it was, not as a record in a state nothing reads back).
    this.#p.publisher.setState(record, state, state !== 'removed')
  }

  /** Stops every transfer (shutdown): each makes its partial data durable. */
  async stopAll(): Promise<void> {
    await Promise.all([...this.#transfers.values()].map((t) => t.stop()))
  }

  /**
   * A lower "downloads at once" applies now: the running downloads furthest back in the queue
   * stop (their bytes durable, as a pause leaves them) and wait queued again, in their places.
   * One checking its file is left to finish: its bytes are all there.
   */
  async requeueOverLimit(limit: number): Promise<void> {
    const { places } = this.#p.table
    const running = [...this.#transfers.values()]
      .map((t) => t.record)
      .filter((r) => ACTIVE_STATES.has(r.state) || r.state === 'retrying')
    const excess = running.length - limit
    if (excess <= 0) return
    const last = running
      .filter((r) => r.state !== 'verifying')
      .sort((a, b) => (places.position(b.id) ?? 0) - (places.position(a.id) ?? 0))
      .slice(0, excess)
    await Promise.all(
      last.map(async (record) => {
        await this.#transfers.get(record.id)?.stop()
        // Paused, removed or finished meanwhile: that word stands.
        if (!ACTIVE_STATES.has(record.state) && record.state !== 'retrying') return
        record.nextRetryAt = null
        this.#p.publisher.setState(record, 'queued')
      }),
    )
  }

  /**
   * A running download's sources changed (its mirrors): a transfer reads them once, when it
   * starts, so it stops (its bytes durable, as a pause leaves them) and the download waits
   * queued again in its place; its next start fetches the rest from the new sources.
   */
  async requeue(record: DownloadRecord): Promise<void> {
    const transfer = this.#transfers.get(record.id)
    if (!transfer) return
    await transfer.stop()
    // Paused, removed or finished meanwhile: that word stands.
    if (!ACTIVE_STATES.has(record.state) && record.state !== 'retrying') return
    record.nextRetryAt = null
    this.#p.publisher.setState(record, 'queued')
  }

  /** A running download's speed limit changed: its token bucket takes it now. */
  speedLimitChanged(record: DownloadRecord): void {
    const slot = this.#slots.get(record.id)
    if (slot !== undefined) this.#p.shared.stats.setRate(slot, record.speedLimit)
  }

  /** Queues the completed file's origin mark (the URL the bytes came from, the Referer). */
  markOrigin(record: DownloadRecord): void {
    const marker = this.#p.marker
    if (!marker) return
    const referer = Object.entries(record.headers).find(([k]) => k.toLowerCase() === 'referer')
    marker.mark({
      path: join(record.dir, record.name),
      url: record.finalUrl ?? record.url,
      referrer: referer?.[1] ?? null,
    })
  }

  /** The running downloads' figures for the heartbeat. */
  figures() {
    return [...this.#transfers.values()].map((t) => ({
      id: t.record.id,
      done: t.done,
      size: t.record.size,
      connections: t.connections,
      downloading: t.record.state === 'downloading',
      counting: t.counting,
    }))
  }

  /** Where a running download's connections are, or null when it is not transferring. */
  segmentMap(id: string): SegmentMap | null {
    const transfer = this.#transfers.get(id)
    // A transfer that announced its end is only cleaning up: the record tells the rest.
    const state = transfer?.record.state
    if (!transfer || !(ACTIVE_STATES.has(state!) || state === 'retrying')) return null
    return { id, size: transfer.record.size, ...transfer.segmentMap() }
  }
}
