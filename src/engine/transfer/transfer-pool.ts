import { close, existsSync, open } from 'node:fs'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import type { EventLoopUtilization } from 'node:perf_hooks'
import { Worker } from 'node:worker_threads'
import { DownpourError, type ErrorCode } from '../../shared/protocol/errors.ts'
import { normalizeRanges, type ByteRange } from '../segments/byte-ranges.ts'
import type { SharedStats } from '../stats/shared-stats.ts'
import type { ChecksumAlgorithm } from '../../shared/protocol/model.ts'
import type { DispatcherOptions } from './http-dispatcher.ts'
import { WORKER_YOUNG_GENERATION_MB } from '../memory-limits.ts'
import { diskError } from '../storage/disk-error.ts'
import type { FetchTask, FromWorker, ToWorker, WorkerInit } from './transfer-messages.ts'

/** A worker this busy (event-loop utilization) counts as loaded. */
const BUSY_ELU = 0.6
const ELU_WINDOW_MS = 250

type Pending = { resolve(value: unknown): void; reject(error: Error): void; worker: PoolWorker }
type PoolWorker = {
  thread: Worker
  load: number
  /**
   * Part files this worker writes, with the descriptor the pool opened for it. The pool owns
   * them (a worker only borrows): they are closed here after the worker let go of the file,
   * and also when the worker dies, so no descriptor outlives its use.
   */
  files: Map<string, Promise<number>>
  ready: boolean
  /** Event-loop utilization at the last look, for `busy()`. */
  elu: EventLoopUtilization | null
  busy: boolean
}

/**
 * A pool of transfer workers (worker_threads), started lazily: a download that never needs a
 * second connection never starts a thread. Each task goes to the least busy worker; part files
 * are tracked per worker so checkpoints flush only the workers that hold them.
 */
export class TransferPool {
  readonly size: number
  #stats: SharedStats
  #dispatcher: DispatcherOptions
  #workers: PoolWorker[] = []
  #pending = new Map<number, Pending>()
  #nextId = 1
  #closed = false
  #eluAt = 0
  #entry: URL

  constructor(options: {
    size: number
    stats: SharedStats
    dispatcher: DispatcherOptions
    entry?: URL
  }) {
    this.size = Math.max(1, options.size)
    this.#stats = options.stats
    this.#dispatcher = options.dispatcher
    this.#entry = options.entry ?? defaultWorkerEntry()
  }

  /**
   * Fills one segment on a worker thread. Rejects with the connection's DownpourError, and at
   * once with the signal's reason when it is (or gets) aborted before the task is posted: an
   * 'abort' listener added to an aborted signal never fires, so the worker would never hear.
   */
  async fetch(task: FetchTask, signal: AbortSignal): Promise<'done' | 'no-ranges'> {
    signal.throwIfAborted()
    const worker = this.#pick()
    const fd = await this.#descriptor(worker, task.partPath)
    signal.throwIfAborted()
    const id = this.#nextId++
    const onAbort = () => worker.thread.postMessage({ type: 'abort', id } satisfies ToWorker)
    signal.addEventListener('abort', onAbort, { once: true })
    try {
      return await this.#call<'done' | 'no-ranges'>(worker, { type: 'fetch', id, task, fd })
    } finally {
      signal.removeEventListener('abort', onAbort)
    }
  }

  /** The descriptor `worker` writes `path` through, opened once (on this thread) per worker. */
  #descriptor(worker: PoolWorker, path: string): Promise<number> {
    let fd = worker.files.get(path)
    if (!fd) {
      fd = openAsync(path, 'r+').catch((error: unknown) => {
        worker.files.delete(path)
        throw diskError(error, `cannot open ${path}`, dirname(path))
      })
      worker.files.set(path, fd)
    }
    return fd
  }

  /**
   * Starts a worker thread ahead of need (a segmented download is about to ramp up): a thread
   * takes ~0.2 s to boot, as long as slow start takes to want it; until then extra connections
   * run on the scheduler thread. More threads start only when used: each costs ~20 MB.
   */
  warm(): void {
    if (!this.#closed && this.#workers.length === 0) this.#spawn()
  }

  /** Whether a worker has booted: until then, extra connections are better run elsewhere. */
  get ready(): boolean {
    return this.#workers.some((w) => w.ready)
  }

  /** Ranges of `partPath` the workers have written (flushed; fsynced with `durable`). */
  async flush(partPath: string, durable: boolean): Promise<ByteRange[]> {
    const holders = this.#workers.filter((w) => w.files.has(partPath))
    const parts = await Promise.all(
      holders.map((w) =>
        this.#call<ByteRange[]>(w, { type: 'flush', id: this.#nextId++, partPath, durable }),
      ),
    )
    return normalizeRanges(parts.flat())
  }

  /**
   * Makes the workers' bytes of `partPath` durable and lets go of the file (before a rename).
   * Every descriptor is closed, also when a worker's last sync fails (a full disk) or the
   * worker is gone: a descriptor kept open would keep a deleted file's space in use.
   */
  async closeFile(partPath: string): Promise<ByteRange[]> {
    const holders = this.#workers.filter((w) => w.files.has(partPath))
    const parts = await Promise.allSettled(
      holders.map((w) => {
        const fd = w.files.get(partPath)!
        w.files.delete(partPath)
        return this.#call<ByteRange[]>(w, {
          type: 'close-file',
          id: this.#nextId++,
          partPath,
        }).finally(() => closeDescriptor(fd))
      }),
    )
    const failed = parts.find((p) => p.status === 'rejected')
    if (failed) throw failed.reason
    return normalizeRanges(parts.flatMap((p) => (p.status === 'fulfilled' ? p.value : [])))
  }

  /**
   * Hashes a file on a worker thread (a multi-GiB SHA-256 must not stall the scheduler's
   * heartbeat). Progress is counted into the download's slot of the shared statistics.
   */
  async hash(
    path: string,
    algorithm: ChecksumAlgorithm,
    download: number,
    signal: AbortSignal,
  ): Promise<string> {
    signal.throwIfAborted()
    const worker = this.#pick()
    const id = this.#nextId++
    const onAbort = () => worker.thread.postMessage({ type: 'abort', id } satisfies ToWorker)
    signal.addEventListener('abort', onAbort, { once: true })
    try {
      const result = await this.#call<{ hex: string }>(worker, {
        type: 'hash',
        id,
        path,
        algorithm,
        download,
      })
      return result.hex
    } finally {
      signal.removeEventListener('abort', onAbort)
    }
  }

  updateDispatcher(options: DispatcherOptions): void {
    this.#dispatcher = options
    for (const w of this.#workers)
      w.thread.postMessage({ type: 'dispatcher', options } satisfies ToWorker)
  }

  async close(): Promise<void> {
    this.#closed = true
    for (const pending of this.#pending.values()) pending.reject(new Error('transfer pool closed'))
    this.#pending.clear()
    const workers = this.#workers
    await Promise.all(workers.map((w) => w.thread.terminate()))
    for (const w of workers) this.#closeDescriptors(w)
    this.#workers = []
  }

  #pick(): PoolWorker {
    if (this.#closed) throw new DownpourError('DP_ERR_CANCELLED', 'the engine is shutting down')
    // The least busy worker, booted ones first (a task sent to a booting one waits for it).
    const idle = this.#workers.reduce<PoolWorker | null>(
      (best, w) =>
        !best || (w.ready && !best.ready) || (w.ready === best.ready && w.load < best.load)
          ? w
          : best,
      null,
    )
    if (!idle || (this.#workers.length < this.size && this.#allBusy())) return this.#spawn()
    return idle
  }

  /**
   * Whether every worker's thread is loaded (event-loop utilization ≥ BUSY_ELU since the last
   * look, at most every ELU_WINDOW_MS): only then does another thread pay for its ~20 MB. 32
   * connections at 4 MiB/s keep one thread a third busy; a fast TLS download fills it.
   */
  #allBusy(): boolean {
    const now = performance.now()
    if (now - this.#eluAt >= ELU_WINDOW_MS) {
      this.#eluAt = now
      for (const w of this.#workers) {
        const since = w.thread.performance.eventLoopUtilization(w.elu ?? undefined)
        // A booting worker is not busy: it will take work as soon as it is up.
        w.busy = w.ready && w.elu !== null && since.utilization >= BUSY_ELU
        w.elu = w.thread.performance.eventLoopUtilization()
      }
    }
    return this.#workers.every((w) => w.busy)
  }

  #spawn(): PoolWorker {
    const init: WorkerInit = { stats: this.#stats.buffer, dispatcher: this.#dispatcher }
    const thread = new Worker(this.#entry, {
      workerData: init,
      name: `downpour-transfer-${this.#workers.length + 1}`,
      resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB },
    })
    thread.unref()
    const worker: PoolWorker = {
      thread,
      load: 0,
      files: new Map(),
      ready: false,
      elu: null,
      busy: false,
    }
    thread.on('message', (message: FromWorker) => {
      if (message.type === 'ready') {
        worker.ready = true
        return
      }
      const pending = this.#pending.get(message.id)
      if (!pending) return
      this.#pending.delete(message.id)
      pending.worker.load--
      if (message.ok) pending.resolve(message.value)
      else {
        const { code, message: text, retryable, retryAfterMs } = message.error
        pending.reject(new DownpourError(code as ErrorCode, text, { retryable, retryAfterMs }))
      }
    })
    thread.on('error', (error) => this.#lose(worker, error))
    thread.on('exit', () => {
      this.#lose(worker, new Error('transfer worker exited'))
      // Only once the thread is gone: until then a write of it may still use a descriptor.
      this.#closeDescriptors(worker)
    })
    this.#workers.push(worker)
    return worker
  }

  /**
   * A worker died: its tasks fail (retryably: their remainders go back to the pool of work).
   * The descriptors it wrote through are closed by the pool once its thread has exited.
   */
  #lose(worker: PoolWorker, error: Error): void {
    this.#workers = this.#workers.filter((w) => w !== worker)
    for (const [id, pending] of this.#pending) {
      if (pending.worker !== worker) continue
      this.#pending.delete(id)
      pending.reject(
        new DownpourError('DP_ERR_INTERNAL', `transfer worker failed: ${error.message}`, {
          retryable: true,
        }),
      )
    }
  }

  #closeDescriptors(worker: PoolWorker): void {
    for (const fd of worker.files.values()) void closeDescriptor(fd)
    worker.files.clear()
  }

  #call<T>(worker: PoolWorker, message: ToWorker & { id: number }): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      worker.load++
      this.#pending.set(message.id, { resolve: resolve as (v: unknown) => void, reject, worker })
      worker.thread.postMessage(message)
    })
  }
}

const openAsync = promisify(open)
const closeAsync = promisify(close)

/** Closes a descriptor the pool opened (one that failed to open has nothing to close). */
async function closeDescriptor(fd: Promise<number>): Promise<void> {
  const opened = await fd.catch(() => null)
  if (opened !== null) await closeAsync(opened).catch(() => {})
}

/**
 * Where the worker's code is: next to this file as TypeScript when running from the sources
 * (Node strips the types), or as `transfer-worker.js` next to the bundle (electron-vite build).
 */
function defaultWorkerEntry(): URL {
  const candidates = [
    new URL('./transfer-worker.ts', import.meta.url),
    new URL('./transfer-worker.js', import.meta.url),
    new URL('../transfer-worker.js', import.meta.url),
  ]
  return candidates.find((url) => existsSync(fileURLToPath(url))) ?? candidates[0]!
}
