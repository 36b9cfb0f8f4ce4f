import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { IfExists, Settings } from '../../shared/protocol/model.ts'
import type { DownloadRecord } from '../model/download-record.ts'
import type { DownpourError } from '../../shared/protocol/errors.ts'
import { loadQueue, type LoadResult } from './queue-load.ts'
import { JournalFile } from './queue-journal-file.ts'
import {
  journalDefaultsLine,
  journalLine,
  LEGACY_FILE,
  snapshotHeader,
  snapshotTempName,
  forgetFresh,
  type JournalOp,
  type StateFields,
} from './queue-lines.ts'
import { queueSaveError } from './queue-save-error.ts'
import { writeSnapshot } from './queue-snapshot-file.ts'
import { PLAIN_IF_EXISTS } from './record-codec.ts'

export { queueSaveError } from './queue-save-error.ts'

/**
 * Coalescing window for journal appends: a burst of state changes (2,000 small files finishing)
 * costs one append per window, not one per change. Byte progress is not in the queue (the
 * control files hold it), so this only delays state changes, never loses data.
 */
const SAVE_DELAY_MS = 250
/** A failed append (disk full, say) is tried again this soon, not at the next change. */
const RETRY_MS = 1000
/**
 * The journal is folded into the snapshot once the part of it a snapshot would save (every line
 * but the first line of a record added since the snapshot) is larger than this and than the
 * snapshot it would write (the last one and those first lines): each compaction writes at most
 * what the journal wrote since the last one, whatever the order of adds and changes.
 */
const MIN_COMPACT_BYTES = 1024 * 1024
const COMPACT_RETRY_MS = 10_000

/** Where the live queue is read from when the store saves. */
export type QueueSource = {
  order(): readonly string[]
  record(id: string): DownloadRecord | undefined
  settings(): Partial<Settings>
}

/**
 * The persisted queue: a snapshot (`queue.ndjson`: a header line, then one record per line) plus
 * an append-only journal (`queue-<gen>.journal`: one line per change, each with a sequence
 * number). A change costs one line, the size of the record it touches; the snapshot is
 * rewritten only when the journal has grown past it, so bytes written stay proportional to
 * what changed. Crash safety is argued in docs/architecture.md ("Queue persistence"). The journal
 * file's appends and syncs are queue-journal-file.ts's, the snapshot's writing
 * queue-snapshot-file.ts's; this class decides what goes in them and when.
 */
export class QueueStore {
  readonly dir: string
  #source: QueueSource
  /**
   * The `ifExists` this store's files declare as their records' default (queue-lines.ts, "A
   * queue file's own default"): `downpour get` gives its run's, so a record of the run stores
   * none; others `'rename'`, a new download's.
   */
  readonly #defaultIfExists: IfExists
  #onError: (error: DownpourError) => void
  /** Why the last append failed, while changes are pending because of it. */
  #failure: DownpourError | null = null
  #pending: JournalOp[] = []
  #pendingPut = new Set<string>()
  #pendingSettings = false
  #seq = 0
  #journal: JournalFile
  #journalBytes = 0
  /**
   * Of #journalBytes, the lines that first wrote a record added since the snapshot. A snapshot
   * would write them again at the same size (a journal of nothing but an add of 20,000 is as
   * short as their snapshot), so they do not count towards a compaction: folding them in
   * costs their bytes again and saves none. A compaction during a long add wrote a snapshot of
   * whatever part of the list had arrived, its size set by how fast the add went (W5's first
   * run: two snapshots, 1.05–1.47 MB and 2.75 MB, in 10 s; docs/benchmarks.md, "W5's first-run
   * queue bytes: no snapshot of a list still arriving").
   */
  #freshBytes = 0
  /** How many lines #freshBytes counts (a removal takes one back: forgetFresh). */
  #freshLines = 0
  /** Added records whose first line is still to be written (see #freshBytes). */
  #fresh = new Set<string>()
  #snapshotBytes = 0
  #legacy = false
  /** Something was set aside at load: the next snapshot must hold what was read from it. */
  #mustCompact = false
  #timer: NodeJS.Timeout | null = null
  #retrying = false
  #failing = false
  #compacting: Promise<void> | null = null
  #nextCompactAt = 0
  #tempCounter = 0
  /** Bytes this store wrote: journal lines and snapshots (the benchmark reports them). */
  readonly written = { journal: 0, snapshot: 0, compactions: 0 }

  /**
   * `onError` hears each failure to save (the first of a run of failed appends once);
   * `defaultIfExists`: see #defaultIfExists.
   */
  constructor(
    dir: string,
    source: QueueSource,
    onError: (error: DownpourError) => void,
    defaultIfExists: IfExists = PLAIN_IF_EXISTS,
  ) {
    this.dir = dir
    this.#source = source
    this.#defaultIfExists = defaultIfExists
    this.#onError = (error) => onError(queueSaveError(error, dir))
    this.#journal = new JournalFile(
      dir,
      (error) => this.#onError(queueSaveError(error, dir)),
      journalDefaultsLine(defaultIfExists),
    )
  }

  /** Why the journal cannot take changes now (writeNow returned false), or null. */
  get failure(): DownpourError | null {
    return this.#failure
  }

  /**
   * Loads the queue (queue-load.ts) and continues from where its files stand: the next line's
   * sequence number, a new journal generation, the sizes that decide a compaction.
   */
  async load(): Promise<LoadResult> {
    const { start, ...result } = await loadQueue(this.dir)
    this.#seq = start.seq
    this.#journal.start(start.gen, start.gens)
    this.#journalBytes = start.journalBytes
    this.#freshBytes = start.freshBytes
    this.#freshLines = start.freshLines
    this.#snapshotBytes = start.snapshotBytes
    this.#legacy = start.legacy
    this.#mustCompact = start.mustCompact
    return result
  }

  /** True when the store should fold its journal into a new snapshot (see `compact`). */
  get wantsCompaction(): boolean {
    return (
      this.#mustCompact ||
      this.#legacy ||
      this.#journalBytes - this.#freshBytes >
        Math.max(MIN_COMPACT_BYTES, this.#snapshotBytes + this.#freshBytes)
    )
  }

  /** A record new to the queue: its first line does not count towards a compaction. */
  added(record: DownloadRecord): void {
    this.#fresh.add(record.id)
    this.put(record)
  }

  /** A record was added or its persisted fields changed. */
  put(record: DownloadRecord): void {
    if (!this.#pendingPut.has(record.id)) {
      this.#pendingPut.add(record.id)
      this.#pending.push({ kind: 'put', record })
    }
    this.schedule()
  }

  /**
   * The same fields were set on many records (and nothing else changed in them). A put of one
   * of them still pending stays where it is, and a later put comes after this line: replayed in
   * order, each field ends with its last value.
   */
  set(ids: string[], fields: StateFields): void {
    if (ids.length === 0) return
    for (const id of ids) this.#pendingPut.delete(id)
    this.#pending.push({ kind: 'set', ids, fields: { ...fields } })
    this.schedule()
  }

  remove(id: string): void {
    this.#pending.push({ kind: 'del', id })
    this.schedule()
  }

  move(id: string, position: number): void {
    this.#pending.push({ kind: 'move', id, position })
    this.schedule()
  }

  /**
   * `ids` (in their new order) now stand together from `position`: one line naming the ids,
   * `{"s":n,"moveTo":p,"ids":[…]}`, whatever the queue's size.
   */
  moveBlock(ids: string[], position: number): void {
    this.#pending.push({ kind: 'moveBlock', ids, position })
    this.schedule()
  }

  settingsChanged(): void {
    if (!this.#pendingSettings) {
      this.#pendingSettings = true
      this.#pending.push({ kind: 'settings' })
    }
    this.schedule()
  }

  /** Asks for a save soon; many calls within the window cost one append. */
  schedule(): void {
    if (this.#timer || this.#pending.length === 0) return
    this.#timer = setTimeout(
      () => {
        this.#timer = null
        this.#retrying = false
        this.writeNow()
      },
      this.#retrying ? RETRY_MS : SAVE_DELAY_MS,
    )
  }

  /**
   * Appends every pending change now, synchronously (one write to the page cache: it survives
   * kill -9 as soon as this returns; the fdatasync for power loss follows asynchronously).
   * On failure the changes stay pending and are tried again in a second. Returns whether the
   * journal holds every change.
   */
  writeNow(): boolean {
    if (this.#pending.length === 0) return true
    if (this.#timer) {
      clearTimeout(this.#timer)
      this.#timer = null
    }
    let seq = this.#seq
    let written: number
    const fresh = { bytes: this.#freshBytes, lines: this.#freshLines }
    const freshIds = this.#fresh
    try {
      written = this.#journal.append(this.#pending, (op) => {
        const text = journalLine(op, ++seq, this.#source, this.#defaultIfExists)
        // Its length in UTF-16 units: at most its bytes, so never more than it wrote.
        if (op.kind === 'put' && freshIds.size > 0 && freshIds.has(op.record.id)) {
          fresh.bytes += text.length + 1
          fresh.lines++
        } else if (op.kind === 'del') forgetFresh(fresh)
        return text
      })
    } catch (error) {
      this.#failure = queueSaveError(error, this.dir)
      if (!this.#failing) this.#onError(this.#failure)
      this.#failing = true
      this.#retrying = true
      this.schedule()
      return false
    }
    if (this.#failing) {
      this.#failing = false
      this.#failure = null
    }
    this.#seq = seq
    this.#pending = []
    this.#pendingPut.clear()
    this.#pendingSettings = false
    this.#journalBytes += written
    this.#freshBytes = fresh.bytes
    this.#freshLines = fresh.lines
    this.#fresh.clear()
    this.written.journal += written
    this.#journal.requestSync()
    if (this.wantsCompaction && !this.#compacting && Date.now() >= this.#nextCompactAt)
      void this.compact()
    return true
  }

  /**
   * Folds the journal into a new snapshot: 1. append what is pending; 2. note the sequence
   * number S and the order; later changes go to a new journal file; 3. write the snapshot
   * (temp, fsync, rename, fsync folder) with S in its header; 4. delete the journal files it
   * covers. A crash before 3 leaves the old snapshot and every journal; after 3, the old
   * journals' lines are all ≤ S and skipped on load. Records are serialized as they are when
   * written, possibly newer than S: their later change is also in the new journal, and a
   * record line replaces the whole record, so replaying it again is harmless.
   */
  compact(): Promise<void> {
    if (this.#compacting) return this.#compacting
    // Set before #compact runs: its first step (writeNow) must not start a second one.
    this.#compacting = Promise.resolve()
    this.#compacting = this.#compact()
      .catch((error: unknown) => {
        this.#nextCompactAt = Date.now() + COMPACT_RETRY_MS
        this.#onError(queueSaveError(error, this.dir))
      })
      .finally(() => {
        this.#compacting = null
      })
    return this.#compacting
  }

  async #compact(): Promise<void> {
    if (!this.writeNow()) throw new Error('the queue journal cannot be written')
    const seq = this.#seq
    const order = [...this.#source.order()]
    const settings = this.#source.settings()
    const rotated = this.#journal.rotate()
    this.#journalBytes = 0
    this.#freshBytes = 0
    this.#freshLines = 0
    const covered = await rotated
    const temp = snapshotTempName(process.pid, this.#tempCounter++)
    const bytes = await writeSnapshot(
      this.dir,
      temp,
      snapshotHeader(seq, settings, this.#defaultIfExists),
      order,
      (id) => this.#source.record(id),
      this.#defaultIfExists,
    )
    for (const gen of covered) await rm(this.#journal.path(gen), { force: true })
    this.#journal.forget(covered)
    if (this.#legacy) {
      await rm(join(this.dir, LEGACY_FILE), { force: true })
      this.#legacy = false
    }
    this.#snapshotBytes = bytes
    this.#mustCompact = false
    this.written.snapshot += bytes
    this.written.compactions++
  }

  /** Appends what is pending and waits until it is durable (and any compaction is done). */
  async flush(): Promise<void> {
    this.writeNow()
    await this.#compacting
    await this.#journal.durable()
  }

  async close(): Promise<void> {
    await this.flush()
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = null
    this.#journal.close()
  }
}
