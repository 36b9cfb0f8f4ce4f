import { closeSync, fdatasync, ftruncateSync, openSync, writeSync } from 'node:fs'
import { open, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { Settings } from '../../shared/protocol/model.ts'
import type { DownloadRecord } from '../model/download-record.ts'
import { syncDirectory } from './atomic-file.ts'
import { loadQueue, type LoadResult } from './queue-load.ts'
import {
  journalLine,
  journalName,
  LEGACY_FILE,
  SNAPSHOT_FILE,
  snapshotHeader,
  snapshotTempName,
  type JournalOp,
  type StateFields,
} from './queue-lines.ts'
import { encodeRecord } from './record-codec.ts'
import { DownpourError, ERROR_CODES } from '../../shared/protocol/errors.ts'
import { diskError } from './disk-error.ts'

/**
 * Coalescing window for journal appends: a burst of state changes (2,000 small files finishing)
 * costs one append per window, not one per change. Byte progress is not in the queue (the
 * control files hold it), so this only delays state changes, never loses data.
 */
const SAVE_DELAY_MS = 250
/** A failed append (disk full, say) is tried again this soon, not at the next change. */
const RETRY_MS = 1000
/** The journal is folded into the snapshot once it is larger than this and than the snapshot. */
const MIN_COMPACT_BYTES = 1024 * 1024
const COMPACT_RETRY_MS = 10_000
const WRITE_CHUNK = 1024 * 1024

/** Where the live queue is read from when the store saves. */
export type QueueSource = {
  order(): readonly string[]
  record(id: string): DownloadRecord | undefined
  settings(): Partial<Settings>
}

const fdatasyncAsync = promisify(fdatasync)

/**
 * The persisted queue: a snapshot (`queue.ndjson`: a header line, then one record per line) plus
 * an append-only journal (`queue-<gen>.journal`: one line per change, each with a sequence
 * number). A change costs one line, the size of the record it touches; the snapshot is
 * rewritten only when the journal has grown past it, so bytes written stay proportional to
 * what changed. Crash safety is argued in docs/architecture.md ("Queue persistence").
 */
export class QueueStore {
  readonly dir: string
  #source: QueueSource
  #onError: (error: DownpourError) => void
  /** Why the last append failed, while changes are pending because of it. */
  #failure: DownpourError | null = null
  #pending: JournalOp[] = []
  #pendingPut = new Set<string>()
  #pendingSettings = false
  #seq = 0
  #gen = 1
  /** Journal generations with a file on disk (older ones are deleted by a compaction). */
  #gens: number[] = []
  #fd: number | null = null
  #fileSize = 0
  #journalBytes = 0
  #snapshotBytes = 0
  #legacy = false
  /** Something was set aside at load: the next snapshot must hold what was read from it. */
  #mustCompact = false
  #timer: NodeJS.Timeout | null = null
  #retrying = false
  #failing = false
  #syncing: Promise<void> | null = null
  #syncAgain = false
  #compacting: Promise<void> | null = null
  #nextCompactAt = 0
  #tempCounter = 0
  /** Bytes this store wrote: journal lines and snapshots (the benchmark reports them). */
  readonly written = { journal: 0, snapshot: 0, compactions: 0 }

  /** `onError` hears each failure to save (the first of a run of failed appends once). */
  constructor(dir: string, source: QueueSource, onError: (error: DownpourError) => void) {
    this.dir = dir
    this.#source = source
    this.#onError = (error) => onError(queueSaveError(error, dir))
  }

  /** Why the journal cannot take changes now (writeNow returned false), or null. */
  get failure(): DownpourError | null {
    return this.#failure
  }

  get #snapshotPath(): string {
    return join(this.dir, SNAPSHOT_FILE)
  }

  #journalPath(gen: number): string {
    return join(this.dir, journalName(gen))
  }

  /**
   * Loads the queue (queue-load.ts) and continues from where its files stand: the next line's
   * sequence number, a new journal generation, the sizes that decide a compaction.
   */
  async load(): Promise<LoadResult> {
    const { start, ...result } = await loadQueue(this.dir)
    this.#seq = start.seq
    this.#gen = start.gen
    this.#gens = start.gens
    this.#journalBytes = start.journalBytes
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
      this.#journalBytes > Math.max(MIN_COMPACT_BYTES, this.#snapshotBytes)
    )
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
    let written = 0
    try {
      if (this.#fd === null) {
        this.#fd = openSync(this.#journalPath(this.#gen), 'a', 0o600)
        if (!this.#gens.includes(this.#gen)) this.#gens.push(this.#gen)
        this.#fileSize = 0
      }
      // Written in ~1 MiB pieces: pausing 100,000 downloads must not build a 58 MB string.
      const start = this.#fileSize
      try {
        let text = ''
        for (const op of this.#pending) {
          text += journalLine(op, ++seq, this.#source) + '\n'
          if (text.length >= WRITE_CHUNK) {
            written += this.#append(Buffer.from(text))
            text = ''
          }
        }
        if (text) written += this.#append(Buffer.from(text))
      } catch (error) {
        this.#cutBack(start)
        throw error
      }
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
    this.written.journal += written
    this.#requestSync()
    if (this.wantsCompaction && !this.#compacting && Date.now() >= this.#nextCompactAt)
      void this.compact()
    return true
  }

  #append(data: Buffer): number {
    const fd = this.#fd!
    let off = 0
    while (off < data.length) {
      off += writeSync(fd, data, off, data.length - off)
    }
    this.#fileSize += data.length
    return data.length
  }

  /** A batch is all at the journal's end or none of it: a failed one is cut back off. */
  #cutBack(size: number): void {
    const fd = this.#fd
    if (fd === null) return
    try {
      ftruncateSync(fd, size)
      this.#fileSize = size
    } catch {
      // Cannot cut the torn line off: continue in a new file, where it is that file's torn tail.
      closeSync(fd)
      this.#fd = null
      this.#gen++
    }
  }

  #requestSync(): void {
    const fd = this.#fd
    if (fd === null) return
    if (this.#syncing) {
      this.#syncAgain = true
      return
    }
    this.#syncing = fdatasyncAsync(fd)
      .catch((error: unknown) => this.#onError(queueSaveError(error, this.dir)))
      .finally(() => {
        this.#syncing = null
        if (this.#syncAgain) {
          this.#syncAgain = false
          this.#requestSync()
        }
      })
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
    const covered = [...this.#gens]
    const old = this.#fd
    this.#fd = null
    this.#gen++
    this.#journalBytes = 0
    if (old !== null) {
      await this.#syncing
      await fdatasyncAsync(old).finally(() => closeSync(old))
    }
    const temp = join(this.dir, snapshotTempName(process.pid, this.#tempCounter++))
    const handle = await open(temp, 'w', 0o600)
    let bytes = 0
    try {
      let chunk = snapshotHeader(seq, settings) + '\n'
      for (const id of order) {
        const record = this.#source.record(id)
        if (!record) continue // removed since S: its removal is in the new journal
        chunk += encodeRecord(record) + '\n'
        if (chunk.length >= WRITE_CHUNK) {
          bytes += await writeChunk(handle, chunk)
          chunk = ''
        }
      }
      bytes += await writeChunk(handle, chunk)
      await handle.sync()
      await handle.close()
    } catch (error) {
      await handle.close().catch(() => {})
      await rm(temp, { force: true })
      throw error
    }
    await rename(temp, this.#snapshotPath)
    await syncDirectory(this.dir)
    for (const gen of covered) await rm(this.#journalPath(gen), { force: true })
    this.#gens = this.#gens.filter((g) => !covered.includes(g))
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
    while (this.#syncing) await this.#syncing
    if (this.#fd !== null) await fdatasyncAsync(this.#fd).catch(() => {})
  }

  async close(): Promise<void> {
    await this.flush()
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = null
    if (this.#fd !== null) closeSync(this.#fd)
    this.#fd = null
  }
}

/**
 * A failure to save the queue as a person reads it: `cannot save the queue: disk full (<folder>)`
 * for a full state folder (code DP_ERR_DISK_FULL: the downloads waiting on it pause), else the
 * operation and its cause.
 */
export function queueSaveError(error: unknown, dir: string): DownpourError {
  if (error instanceof DownpourError && error.message.startsWith('cannot save the queue'))
    return error
  const code = (error as NodeJS.ErrnoException | null)?.code
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new DownpourError(ERROR_CODES.diskFull, `cannot save the queue: disk full (${dir})`, {
      cause: error,
    })
  }
  const known = diskError(error, 'cannot save the queue', dir)
  const message = known.message.startsWith('cannot save the queue')
    ? known.message
    : `cannot save the queue: ${known.message}`
  return new DownpourError(known.code, message, { cause: error })
}

async function writeChunk(
  handle: Awaited<ReturnType<typeof open>>,
  chunk: string,
): Promise<number> {
  if (chunk.length === 0) return 0
  const data = Buffer.from(chunk)
  // FileHandle.writeFile writes from the current position and loops over short writes.
  await handle.writeFile(data)
  return data.length
}
