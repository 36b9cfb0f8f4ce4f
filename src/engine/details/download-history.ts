import type { HistoryEntry, HistoryKind } from '../../shared/protocol/details.ts'
import type { LogLevel } from '../../shared/protocol/details.ts'
import type { DownloadState } from '../../shared/protocol/model.ts'
import { ERROR_CODES } from '../../shared/protocol/errors.ts'
import type { DownloadRecord } from '../model/download-record.ts'

/** Entries kept per download: enough for a long flaky download's story, small for 10,000 rows. */
export const HISTORY_PER_DOWNLOAD = 200
/**
 * Entries kept over all downloads. 10,000 downloads × 200 entries would be ~2 million objects;
 * past this cap the downloads written to least recently lose their oldest entries first.
 */
export const HISTORY_TOTAL = 20_000

type Timeline = {
  entries: HistoryEntry[]
  dropped: number
  /** What the last observation saw, to tell a new attempt or a restart from zero. */
  tries: number
  done: number
}

/**
 * Each download's timeline for the details panel: the transfer's log lines (retries with their
 * status, failures), plus what the scheduler sees happen to the record (attempts, restarts from
 * zero, checksum results, pauses). In memory only, bounded per download and in total.
 */
export class DownloadHistory {
  #perDownload: number
  #total: number
  #timelines = new Map<string, Timeline>()
  /** The timelines holding entries, in order of last write: eviction takes the first. */
  #recency = new Map<string, Timeline>()
  #count = 0
  #lastWritten: string | null = null
  /**
   * The first entry of `#recency` and a live iterator just past it. Every entry before the
   * iterator's place has been deleted, so when the head goes the next one is the iterator's
   * next: `entries().next()` from the start instead walks past every slot deleted since the
   * map last compacted, once per evicted entry (quadratic over a long queue's rerun).
   */
  #head: [string, Timeline] | null = null
  #cursor: MapIterator<[string, Timeline]> | null = null
  /** What `observe` compares with for a download that has no timeline (never written). */
  readonly #blank: Timeline = Object.freeze({ entries: [], dropped: 0, tries: 0, done: 0 })

  constructor(perDownload = HISTORY_PER_DOWNLOAD, total = HISTORY_TOTAL) {
    this.#perDownload = perDownload
    this.#total = total
  }

  /** The timeline of `id`, oldest first, and how many older entries were dropped. */
  list(id: string): { entries: HistoryEntry[]; dropped: number } {
    const t = this.#timelines.get(id)
    return t ? { entries: t.entries.slice(), dropped: t.dropped } : { entries: [], dropped: 0 }
  }

  get size(): number {
    return this.#count
  }

  /** Downloads with a timeline in memory (bounded by the entry cap plus those that ran). */
  get timelines(): number {
    return this.#timelines.size
  }

  forget(id: string): void {
    const t = this.#timelines.get(id)
    if (!t) return
    this.#count -= t.entries.length
    this.#timelines.delete(id)
    this.#unrank(id)
    if (this.#lastWritten === id) this.#lastWritten = null
  }

  added(record: DownloadRecord, now = Date.now()): void {
    this.#add(record.id, { at: now, level: 'info', kind: 'added', message: `added ${record.name}` })
  }

  /** A line of the transfer's log. Warnings carrying an error are retries (failures are errors). */
  log(
    id: string,
    level: LogLevel,
    message: string,
    error?: { code: string; message: string; status?: number | null },
    now = Date.now(),
  ): void {
    let kind: HistoryKind = 'info'
    if (error && level === 'error')
      kind = error.code === ERROR_CODES.checksumMismatch ? 'checksum' : 'failed'
    else if (error && level === 'warn') kind = 'retry'
    const entry: HistoryEntry = { at: now, level, kind, message }
    if (error) entry.error = { code: error.code, message: error.message }
    if (error?.status != null) entry.status = error.status
    this.#add(id, entry)
  }

  /** A record changed: notes a new attempt, a restart from zero, a verified checksum, a pause. */
  observe(record: DownloadRecord, previousState: DownloadState, now = Date.now()): void {
    // A download never tried and with nothing to note (a bulk pause of a long queue) needs no
    // timeline: a long queue would pay one per download for nothing.
    const t = this.#timelines.get(record.id) ?? this.#blank
    if (
      t === this.#blank &&
      record.tries === 0 &&
      record.done === 0 &&
      record.state === previousState
    )
      return
    const { state, done } = record
    if (record.tries > t.tries && (state === 'probing' || state === 'downloading')) {
      const from = done > 0 ? ` from byte ${done}` : ''
      this.#add(record.id, {
        at: now,
        level: 'info',
        kind: 'attempt',
        message: `try ${record.tries}${from}`,
      })
    } else if (t.done > 0 && done === 0 && record.size === null && state !== 'completed') {
      // The transfer threw its bytes away. It logged why just before: that line is the restart.
      this.#markRestart(record.id, t, now, t.done)
    }
    if (state !== previousState) {
      if (state === 'completed' && previousState === 'verifying' && record.checksum)
        this.#add(record.id, {
          at: now,
          level: 'info',
          kind: 'checksum',
          message: `${record.checksum.algorithm} matches`,
        })
      if (state === 'completed')
        this.#add(record.id, {
          at: now,
          level: 'info',
          kind: 'completed',
          message: `completed (${record.size ?? done} bytes)`,
        })
      else if (state === 'paused')
        this.#add(record.id, { at: now, level: 'info', kind: 'paused', message: 'paused' })
      else if (previousState === 'paused' && state === 'queued')
        this.#add(record.id, { at: now, level: 'info', kind: 'resumed', message: 'resumed' })
    }
    if (t === this.#blank && record.tries === 0 && done === 0) return
    const own = this.#timeline(record.id)
    own.tries = record.tries
    own.done = done
  }

  /** Any other event worth a line (a new URL, …). */
  note(id: string, kind: HistoryKind, message: string, now = Date.now()): void {
    this.#add(id, { at: now, level: 'info', kind, message })
  }

  #markRestart(id: string, t: Timeline, now: number, dropped: number): void {
    const last = t.entries.at(-1)
    if (last && last.kind === 'info' && now - last.at < 60_000) {
      last.kind = 'restart'
      return
    }
    this.#add(id, {
      at: now,
      level: 'warn',
      kind: 'restart',
      message: `started over from zero (${dropped} bytes dropped)`,
    })
  }

  #timeline(id: string): Timeline {
    let t = this.#timelines.get(id)
    if (!t) this.#timelines.set(id, (t = { entries: [], dropped: 0, tries: 0, done: 0 }))
    return t
  }

  #add(id: string, entry: HistoryEntry): void {
    const t = this.#timeline(id)
    // Most recently written last: the eviction order (a burst for one download moves it once).
    if (this.#lastWritten !== id) {
      this.#unrank(id)
      this.#recency.set(id, t)
      this.#lastWritten = id
    }
    t.entries.push(entry)
    this.#count++
    if (t.entries.length > this.#perDownload) {
      t.entries.shift()
      t.dropped++
      this.#count--
    }
    while (this.#count > this.#total) {
      const [oldestId, oldest] = this.#oldest()
      oldest.entries.shift()
      oldest.dropped++
      this.#count--
      if (oldest.entries.length === 0) {
        this.#unrank(oldestId)
        if (this.#lastWritten === oldestId) this.#lastWritten = null
        // A download that never ran has nothing `observe` compares with: its emptied timeline
        // goes too. Kept, the "added" and "resumed" lines of a 100,000-download queue left
        // 100,000 empty timelines (~8 MB) behind the cap.
        if (oldest.tries === 0 && oldest.done === 0) this.#timelines.delete(oldestId)
      }
    }
  }

  /** The least recently written timeline; only called while some timeline holds entries. */
  #oldest(): [string, Timeline] {
    if (this.#head === null) {
      let next = this.#cursor?.next()
      // A finished iterator stays finished, even for entries added after: start a new one.
      if (!next || next.done) next = (this.#cursor = this.#recency.entries()).next()
      this.#head = next.value!
    }
    return this.#head
  }

  /** `id` leaves the eviction order (to be set again at its end, or for good). */
  #unrank(id: string): void {
    if (this.#recency.delete(id) && this.#head?.[0] === id) this.#head = null
  }
}
