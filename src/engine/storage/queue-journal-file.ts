import { closeSync, fdatasync, ftruncateSync, openSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { journalName } from './queue-lines.ts'

const WRITE_CHUNK = 1024 * 1024
const fdatasyncAsync = promisify(fdatasync)

/**
 * The queue's journal files (`queue-<gen>.journal`) as QueueStore appends to them: the one open
 * for appends, the generations on disk, and the fdatasync that follows each append. A batch of
 * lines is all at the file's end or none of it. What each line holds, and when a batch is
 * written or folded into the snapshot, is QueueStore's.
 */
export class JournalFile {
  readonly #dir: string
  #onSyncError: (error: unknown) => void
  /** What each file begins with (its `defaults` line: queue-lines.ts), or null. */
  readonly #firstLine: string | null
  #gen = 1
  /** Journal generations with a file on disk (older ones are deleted by a compaction). */
  #gens: number[] = []
  #fd: number | null = null
  #fileSize = 0
  #syncing: Promise<void> | null = null
  #syncAgain = false

  constructor(dir: string, onSyncError: (error: unknown) => void, firstLine: string | null = null) {
    this.#dir = dir
    this.#onSyncError = onSyncError
    this.#firstLine = firstLine
  }

  /** Continues after a load: `gen` is the next file's generation, `gens` those read whole. */
  start(gen: number, gens: number[]): void {
    this.#gen = gen
    this.#gens = gens
  }

  path(gen: number): string {
    return join(this.#dir, journalName(gen))
  }

  /**
   * Appends one line per item (`line` gives it, without its newline), in ~1 MiB writes:
   * pausing 100,000 downloads must not build a 58 MB string. Synchronous: one write to the page
   * cache, which survives kill -9 once this returns. Returns the bytes written; on failure
   * throws, and what the batch had written is cut back off. A file's first batch begins with
   * its first line, in the same write: a kill leaves no file whose lines lack it (a torn first
   * line is a torn tail with nothing after it), and a failed batch cut back to nothing takes it
   * along, so the next batch writes it again.
   */
  append<T>(items: readonly T[], line: (item: T) => string): number {
    if (this.#fd === null) {
      this.#fd = openSync(this.path(this.#gen), 'a', 0o600)
      if (!this.#gens.includes(this.#gen)) this.#gens.push(this.#gen)
      this.#fileSize = 0
    }
    const start = this.#fileSize
    let written = 0
    try {
      let text = start === 0 && this.#firstLine !== null ? this.#firstLine + '\n' : ''
      for (const item of items) {
        text += line(item) + '\n'
        if (text.length >= WRITE_CHUNK) {
          written += this.#write(Buffer.from(text))
          text = ''
        }
      }
      if (text) written += this.#write(Buffer.from(text))
    } catch (error) {
      this.#cutBack(start)
      throw error
    }
    return written
  }

  #write(data: Buffer): number {
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

  /** An fdatasync of what was appended, for power loss (one at a time; one more if asked meanwhile). */
  requestSync(): void {
    const fd = this.#fd
    if (fd === null) return
    if (this.#syncing) {
      this.#syncAgain = true
      return
    }
    this.#syncing = fdatasyncAsync(fd)
      .catch((error: unknown) => this.#onSyncError(error))
      .finally(() => {
        this.#syncing = null
        if (this.#syncAgain) {
          this.#syncAgain = false
          this.requestSync()
        }
      })
  }

  /**
   * Later lines go to a new generation (at once, before this awaits anything); resolves with
   * the generations written so far once the last one's file is durable and closed.
   */
  async rotate(): Promise<number[]> {
    const covered = [...this.#gens]
    const old = this.#fd
    this.#fd = null
    this.#gen++
    if (old !== null) {
      await this.#syncing
      await fdatasyncAsync(old).finally(() => closeSync(old))
    }
    return covered
  }

  /** The files of `covered` (from rotate) were deleted. */
  forget(covered: readonly number[]): void {
    this.#gens = this.#gens.filter((g) => !covered.includes(g))
  }

  /** Waits until what was appended is durable. */
  async durable(): Promise<void> {
    while (this.#syncing) await this.#syncing
    if (this.#fd !== null) await fdatasyncAsync(this.#fd).catch(() => {})
  }

  close(): void {
    if (this.#fd !== null) closeSync(this.#fd)
    this.#fd = null
  }
}
