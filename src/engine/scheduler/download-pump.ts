import type { DownloadRecord } from '../model/download-record.ts'
import type { DownloadTable } from './download-table.ts'
import type { HostConnections } from './host-connections.ts'
import { WaitingQueue } from './waiting-queue.ts'

export type PumpParts = {
  table: DownloadTable
  hosts: HostConnections
  /** The running downloads' transfers by id (the pump reads their number and ids). */
  running: ReadonlyMap<string, unknown>
  /** "Downloads at once", read at each pump. */
  maxConcurrent(): number
  closed(): boolean
  /** Starts a waiting download whose host may take it. */
  start(record: DownloadRecord, host: string): void
}

/**
 * Starts waiting downloads: queued downloads wait in a heap on their queue position
 * (WaitingQueue), and each pump starts the first ones, in queue order, while fewer than "Downloads
 * at once" run — skipping, in their places, those whose host may not take another download
 * (HostConnections.mayStart) — until every host that still has waiting downloads is full.
 */
export class DownloadPump {
  #p: PumpParts
  /** Queued downloads waiting for a slot, in queue order. */
  #waiting = new WaitingQueue()
  #hostNames = new Map<string, string>()

  constructor(parts: PumpParts) {
    this.#p = parts
  }

  /** A queued record waits for the pump (O(log n)). */
  enqueue(record: DownloadRecord): void {
    if (record.state !== 'queued' || this.#waiting.has(record.id)) return
    const position = this.#p.table.places.position(record.id)
    if (position === undefined) return
    this.#waiting.push({ id: record.id, position, host: this.hostOf(record) })
  }

  hostOf(record: DownloadRecord): string {
    const parsed = new URL(record.url).host
    // One string per host, not one per waiting download (100,000 copies of "127.0.0.1:8080").
    let host = this.#hostNames.get(parsed)
    if (host === undefined) this.#hostNames.set(parsed, (host = parsed))
    return host
  }

  pump(): void {
    const { table, hosts, running } = this.#p
    if (this.#p.closed()) return
    const limit = this.#p.maxConcurrent()
    const waiting = this.#waiting
    let blocked: ReturnType<WaitingQueue['pop']>[] | null = null
    let blockedHosts: Set<string> | null = null
    let blockedWithEntries = 0
    while (running.size < limit && waiting.size > 0) {
      // Every host that still has waiting downloads is full: nothing more can start.
      if (blockedWithEntries > 0 && blockedWithEntries >= waiting.hosts) break
      const entry = waiting.pop()!
      table.work.visited++
      if (blockedHosts?.has(entry.host) && waiting.entriesFor(entry.host) === 0)
        blockedWithEntries--
      const record = table.get(entry.id)
      // Stale: removed, paused or started since it was queued (one still winding down is
      // queued again when its transfer ends).
      if (!record || record.state !== 'queued' || running.has(entry.id)) continue
      if (!hosts.mayStart(entry.host)) {
        // Its host may take no other download: it keeps its place, later ones may still start.
        ;(blocked ??= []).push(entry)
        blockedHosts ??= new Set()
        if (!blockedHosts.has(entry.host)) {
          blockedHosts.add(entry.host)
          if (waiting.entriesFor(entry.host) > 0) blockedWithEntries++
        }
        continue
      }
      this.#p.start(record, entry.host)
    }
    if (blocked) for (const entry of blocked) waiting.push(entry!)
  }

  /**
   * The waiting download first in queue order (the heap's top, O(log n)): stale entries met on
   * the way are dropped, as the pump drops them.
   */
  firstWaiting(): { id: string; position: number } | null {
    const { table, running } = this.#p
    for (let top = this.#waiting.peek(); top !== undefined; top = this.#waiting.peek()) {
      table.work.visited++
      const record = table.get(top.id)
      if (record?.state === 'queued' && !running.has(top.id)) return top
      this.#waiting.pop()
    }
    return null
  }

  /** The queue was reordered: waiting entries take their new positions (no URL parsed again). */
  renumber(): void {
    const places = this.#p.table.places
    this.#waiting.renumber((id) => places.position(id))
  }
}
