import { close, fdatasync, fstat, ftruncate, lstat, unlink, writev, type Stats } from 'node:fs'
import { dirname } from 'node:path'
import { promisify } from 'node:util'
import { addRange, type ByteRange } from '../segments/byte-ranges.ts'
import { DownpourError, ERROR_CODES } from '../../shared/protocol/errors.ts'
import { diskError } from './disk-error.ts'
import { lookAt } from './file-exists.ts'
import { openInFolder, type OpenedFile } from './safe-open.ts'

/** Socket chunks (16–64 KiB) are gathered into writes of about this size (see docs/benchmarks.md). */
export const COALESCE_BYTES = 1024 * 1024
/**
 * A slow connection writes what it has after this long (once it has at least HOLD_MIN_BYTES),
 * rather than holding socket chunks until it has a whole COALESCE_BYTES: 32 connections at
 * 4 MiB/s would otherwise keep ~32 MiB of chunks in memory for a quarter second each.
 */
const HOLD_MAX_MS = 100
const HOLD_MIN_BYTES = 64 * 1024
const MIN_COALESCE_BYTES = 128 * 1024
/** Positional writes in flight per file before writers are asked to wait. */
const MAX_WRITES_IN_FLIGHT = 4

/**
 * The `.part` file of one download, written at offsets by any number of sequential streams
 * (one per connection). Tracks which ranges the OS has accepted; `sync()` turns them durable.
 */
export class PartFile {
  readonly path: string
  /**
   * A raw descriptor and the callback API, not a FileHandle: per small file that saved a
   * third of the main thread's file-system cost (FileHandle wraps every call in extra promises
   * and tracks the handle for the garbage collector). close() is always reached: every owner
   * closes in a `finally`.
   */
  #fd: number
  #closed: Promise<void> | null = null
  /** Set just before the descriptor is closed: its number may then belong to another file. */
  #fdGone = false
  #inFlight = new Set<Promise<void>>()
  #written: ByteRange[] = []
  #failure: DownpourError | null = null
  #roomWaiters: (() => void)[] = []
  #streams = new Set<PartStream>()
  #diskWaitMs = 0
  #waitingSince: number | null = null

  /** The file's identity, from the fstat at open: compared with what a name leads to now. */
  #dev: number
  #ino: number

  private constructor(path: string, opened: OpenedFile) {
    this.path = path
    this.#fd = opened.fd
    this.#dev = opened.dev
    this.#ino = opened.ino
  }

  /**
   * Opens for positional writes: `fresh` truncates any old content, `resume` keeps it,
   * `exclusive` creates the file and fails with EEXIST if it exists (claims a name).
   */
  static async open(path: string, mode: 'fresh' | 'resume' | 'exclusive'): Promise<PartFile> {
    try {
      // Truncating a `.part` that has another name would empty that file too: a publish a
      // crash cut after its link (the other name is the finished download). Drop this name.
      if (mode === 'fresh') await unlinkIfLinked(path)
      // Through openInFolder: a symlink or a hard link planted at the `.part` name is refused
      // (DP_ERR_UNSAFE_PATH), never written through to the file it leads to.
      const opened =
        mode === 'resume'
          ? await openInFolder(path, 'update').catch((error: NodeJS.ErrnoException) => {
              if (error.code === 'ENOENT') return openInFolder(path, 'create')
              throw error
            })
          : await openInFolder(path, mode === 'fresh' ? 'create' : 'exclusive')
      return new PartFile(path, opened)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw error
      throw diskError(error, `cannot open ${path}`, dirname(path))
    }
  }

  /** A writer of consecutive bytes starting at `offset`. */
  stream(offset: number): PartStream {
    const stream = new PartStream(this, offset)
    this.#streams.add(stream)
    return stream
  }

  /**
   * How much one stream gathers per write: COALESCE_BYTES shared among the file's streams
   * (at least MIN_COALESCE_BYTES each), so 32 connections hold ~4 MiB, not 32 MiB.
   */
  get coalesceBytes(): number {
    return Math.max(
      MIN_COALESCE_BYTES,
      Math.floor(COALESCE_BYTES / Math.max(1, this.#streams.size)),
    )
  }

  /** True when a caller may hand over more data without waiting. */
  get hasRoom(): boolean {
    return this.#inFlight.size < MAX_WRITES_IN_FLIGHT
  }

  /** Resolves once fewer writes are in flight (or the file failed; the next write throws). */
  waitForRoom(): Promise<void> {
    if (this.hasRoom || this.#failure) return Promise.resolve()
    this.#waitingSince ??= performance.now()
    return new Promise((resolve) => this.#roomWaiters.push(resolve))
  }

  /**
   * Milliseconds writers have spent waiting for the disk so far (the file had its maximum of
   * writes in flight): growing by a good share of the wall time means the disk sets the pace.
   */
  get diskWaitMs(): number {
    const ongoing = this.#waitingSince === null ? 0 : performance.now() - this.#waitingSince
    return this.#diskWaitMs + ongoing
  }

  /** @internal issues one positional write of gathered chunks. */
  writeAt(buffers: Buffer[], position: number, length: number): void {
    this.throwIfFailed()
    this.#throwIfClosed()
    const write = writevFully(this.#fd, buffers, position, length, (done) => {
      // What the OS took is on disk even if the rest fails (a full disk): keep counting it.
      this.#written = addRange(this.#written, { start: position, end: position + done })
    })
      .catch((error: unknown) => {
        this.#failure ??= diskError(error, `cannot write ${this.path}`, dirname(this.path))
      })
      .finally(() => {
        this.#inFlight.delete(write)
        if (this.#waitingSince !== null) {
          this.#diskWaitMs += performance.now() - this.#waitingSince
          this.#waitingSince = null
        }
        const waiters = this.#roomWaiters.splice(0)
        for (const wake of waiters) wake()
      })
    this.#inFlight.add(write)
  }

  throwIfFailed(): void {
    if (this.#failure) throw this.#failure
  }

  /** Every use of the descriptor checks first: after close its number may be another file's. */
  #throwIfClosed(): void {
    if (this.#fdGone) throw new DownpourError(ERROR_CODES.internal, `${this.path} is closed`)
  }

  /** Hands every gathered chunk to the OS and waits for all writes. */
  async flush(): Promise<void> {
    for (const stream of this.#streams) stream.flushBuffered()
    while (this.#inFlight.size > 0) await Promise.all([...this.#inFlight])
    this.throwIfFailed()
  }

  /** Flushes and fsyncs; returns the ranges that are now durable on disk. */
  async sync(): Promise<ByteRange[]> {
    await this.flush()
    return this.#syncWritten()
  }

  /**
   * After a failed write (a full disk, nearly always): waits for the writes in flight, fsyncs,
   * and returns what the OS took, which stays counted (writeAt). What is still buffered is not
   * written: the file failed. sync() would throw the failure instead; a stop uses this to keep
   * every byte the part holds.
   */
  async syncTaken(): Promise<ByteRange[]> {
    while (this.#inFlight.size > 0) await Promise.all([...this.#inFlight])
    return this.#syncWritten()
  }

  /** The ranges written so far, made durable (taken before the fdatasync: no more than it covers). */
  async #syncWritten(): Promise<ByteRange[]> {
    const snapshot = this.#written
    this.#throwIfClosed()
    try {
      await fdatasyncAsync(this.#fd)
    } catch (error) {
      throw diskError(error, `cannot sync ${this.path}`, dirname(this.path))
    }
    return snapshot
  }

  /** Whether a write failed (every later write and flush throws that failure). */
  get failed(): boolean {
    return this.#failure !== null
  }

  /** Ranges the OS accepted (durable after the next sync). */
  get written(): readonly ByteRange[] {
    return this.#written
  }

  /** Forgets what was written (the bytes proved wrong): everything is missing again. */
  forgetWritten(): void {
    this.#written = []
  }

  /** Declares ranges already on disk from an earlier run. */
  markWritten(ranges: readonly ByteRange[]): void {
    for (const r of ranges) this.#written = addRange(this.#written, r)
  }

  forget(stream: PartStream): void {
    this.#streams.delete(stream)
  }

  /** Sets the file length: extends (sparse) for segmented writes, or cuts a stale tail. */
  async truncate(length: number): Promise<void> {
    this.#throwIfClosed()
    try {
      await ftruncateAsync(this.#fd, length)
    } catch (error) {
      throw diskError(error, `cannot resize ${this.path}`, dirname(this.path))
    }
  }

  /** The file's length on disk now (fstat), whatever was recorded about it. */
  async length(): Promise<number> {
    this.#throwIfClosed()
    try {
      return (await fstatAsync(this.#fd)).size
    } catch (error) {
      throw diskError(error, `cannot stat ${this.path}`, dirname(this.path))
    }
  }

  /**
   * False when `path` no longer names this open file: another program deleted or replaced
   * the `.part` while it was written (the bytes went to an inode no name leads to), or put a
   * symlink there (lstat: a link to this very file must not become the published name either).
   */
  stillAtPath(): boolean {
    return this.isAt(this.path)
  }

  /** Whether `path` itself (not a link's target) is this open file. */
  isAt(path: string): boolean {
    this.#throwIfClosed()
    let named: Stats | null
    try {
      named = lookAt(path)
    } catch (error) {
      throw diskError(error, `cannot stat ${path}`, dirname(path))
    }
    return named !== null && named.ino === this.#ino && named.dev === this.#dev
  }

  /** Flushes and closes; later calls wait for the same close. */
  close(): Promise<void> {
    this.#closed ??= this.flush()
      .catch(() => {})
      .then(() => {
        this.#fdGone = true
        return closeAsync(this.#fd).catch(() => {})
      })
    return this.#closed
  }
}

/** Consecutive bytes from one connection, gathered into ~1 MiB positional writes. */
export class PartStream {
  #file: PartFile
  #chunks: Buffer[] = []
  #buffered = 0
  /** When the oldest buffered chunk arrived (performance.now()). */
  #since = 0
  /** Offset of the next byte handed to `write`. */
  position: number
  #flushedTo: number

  constructor(file: PartFile, offset: number) {
    this.#file = file
    this.position = offset
    this.#flushedTo = offset
  }

  /** Accepts a chunk; returns false when the caller should wait for `file.waitForRoom()`. */
  write(chunk: Buffer): boolean {
    this.#file.throwIfFailed()
    const now = performance.now()
    if (this.#buffered === 0) this.#since = now
    this.#chunks.push(chunk)
    this.#buffered += chunk.length
    this.position += chunk.length
    if (
      this.#buffered >= this.#file.coalesceBytes ||
      (this.#buffered >= HOLD_MIN_BYTES && now - this.#since >= HOLD_MAX_MS)
    )
      this.flushBuffered()
    return this.#file.hasRoom
  }

  flushBuffered(): void {
    if (this.#buffered === 0) return
    const chunks = this.#chunks
    const length = this.#buffered
    const at = this.#flushedTo
    this.#chunks = []
    this.#buffered = 0
    this.#flushedTo += length
    this.#file.writeAt(chunks, at, length)
  }

  close(): void {
    this.flushBuffered()
    this.#file.forget(this)
  }
}

// The callback API, promisified (see #fd for why not fs/promises' FileHandle).
const writevAsync = promisify(writev)
const fdatasyncAsync = promisify(fdatasync)
const ftruncateAsync = promisify(ftruncate)
const closeAsync = promisify(close)
const fstatAsync = promisify(fstat)
const lstatAsync = promisify(lstat)
const unlinkAsync = promisify(unlink)

/** Removes `path` when it is a regular file with other names (only this name goes). */
async function unlinkIfLinked(path: string): Promise<void> {
  const info = await lstatAsync(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null
    throw error
  })
  if (info && info.isFile() && info.nlink > 1) await unlinkAsync(path)
}

/**
 * Writes all of `buffers` at `position`. A short write is not an error in itself: the kernel
 * took what fitted and the next call says why it stopped (ENOSPC, nearly always, on a full
 * disk; EFBIG, EDQUOT), so the rest is written again until it is all in or a real error says
 * what went wrong. `progress` gets every byte count the OS accepted.
 */
async function writevFully(
  fd: number,
  buffers: Buffer[],
  position: number,
  length: number,
  progress: (done: number) => void,
): Promise<void> {
  let done = 0
  let rest = buffers
  while (done < length) {
    const { bytesWritten } = await writevAsync(fd, rest, position + done)
    if (bytesWritten === 0) throw new Error(`the OS accepted 0 of ${length - done} bytes`)
    done += bytesWritten
    progress(done)
    rest = skipBytes(rest, bytesWritten)
  }
}

function skipBytes(buffers: Buffer[], count: number): Buffer[] {
  let skip = count
  let index = 0
  while (index < buffers.length && skip >= buffers[index]!.length) skip -= buffers[index++]!.length
  const rest = buffers.slice(index)
  if (skip > 0 && rest.length > 0) rest[0] = rest[0]!.subarray(skip)
  return rest
}
