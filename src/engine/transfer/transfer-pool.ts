import { existsSync } from 'node:fs'
import nodeModule from 'node:module'
import { fileURLToPath } from 'node:url'
import type { EventLoopUtilization } from 'node:perf_hooks'
import { Worker } from 'node:worker_threads'
import { DownpourError, type ErrorCode } from '../../shared/protocol/errors.ts'
import { normalizeRanges, type ByteRange } from '../segments/byte-ranges.ts'
import type { SharedStats } from '../stats/shared-stats.ts'
import type { ChecksumAlgorithm } from '../../shared/protocol/model.ts'
import type { DispatcherOptions } from './http-dispatcher.ts'
import { WORKER_YOUNG_GENERATION_MB } from '../memory-limits.ts'
import type {
  FetchResult,
  FetchTask,
  FromWorker,
  ToWorker,
  WorkerInit,
} from './transfer-messages.ts'

/** A worker this busy (event-loop utilization) counts as loaded. */
const BUSY_ELU = 0.6
const ELU_WINDOW_MS = 250

type Pending = { resolve(value: unknown): void; reject(error: Error): void; worker: PoolWorker }
type PoolWorker = {
  thread: Worker
  load: number
  files: Set<string>
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
  /** Pinned connection loops (FetchTask.pin): the worker holding each one's socket. */
  #pins = new Map<number, PoolWorker>()
  #nextPin = 1

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
   * once with the signal's reason when it is already aborted: an 'abort' listener added to an
   * aborted signal never fires, so the worker would never be told to stop.
   */
  async fetch(task: FetchTask, signal: AbortSignal): Promise<FetchResult> {
    signal.throwIfAborted()
    const worker = this.#workerFor(task.pin)
    worker.files.add(task.partPath)
    const id = this.#nextId++
    const onAbort = () => worker.thread.postMessage({ type: 'abort', id } satisfies ToWorker)
    signal.addEventListener('abort', onAbort, { once: true })
    try {
      return await this.#call<FetchResult>(worker, { type: 'fetch', id, task })
    } finally {
      signal.removeEventListener('abort', onAbort)
    }
  }

  /**
   * A new connection loop's pin: its ranges (FetchTask.pin) all go to one worker and over one
   * socket of their own there, until `unpin`. Servers and routes shape per TCP connection, so a
   * loop's speed on its last range says what its next one will bring only on the same socket;
   * over a shared keep-alive pool a loop that was fast got a slow socket at its next request.
   */
  pin(): number {
    return this.#nextPin++
  }

  /** The loop ended: its socket closes (a socket idle in a pool would count against the server). */
  unpin(pin: number): void {
    const worker = this.#pins.get(pin)
    if (!worker) return
    this.#pins.delete(pin)
    worker.thread.postMessage({ type: 'unpin', pin } satisfies ToWorker)
  }

  /** The worker holding the pin's socket, or (first range, or its worker died) the least busy. */
  #workerFor(pin: number | undefined): PoolWorker {
    if (pin === undefined) return this.#pick()
    const held = this.#pins.get(pin)
    if (held && this.#workers.includes(held)) return held
    const worker = this.#pick()
    this.#pins.set(pin, worker)
    return worker
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
   * Each worker closes its descriptor even when its last sync fails (a full disk); all of them
   * are waited for before the first failure is reported, so none still holds the file then.
   * (A worker thread that dies has its descriptors closed by Node when the thread exits.)
   * With `stopping` (a run that ends unfinished), a worker whose write failed (a full disk)
   * reports the ranges the OS took, fsynced, instead of the failure: the stop's checkpoint
   * records them (part-checkpoints.ts, closePart).
   */
  async closeFile(partPath: string, options: { stopping?: boolean } = {}): Promise<ByteRange[]> {
    const holders = this.#workers.filter((w) => w.files.has(partPath))
    const parts = await Promise.allSettled(
      holders.map((w) => {
        w.files.delete(partPath)
        return this.#call<ByteRange[]>(w, {
          type: 'close-file',
          id: this.#nextId++,
          partPath,
          stopping: options.stopping ?? false,
        })
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
    this.#pins.clear()
    for (const pending of this.#pending.values()) pending.reject(new Error('transfer pool closed'))
    this.#pending.clear()
    await Promise.all(this.#workers.map((w) => w.thread.terminate()))
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
      env: transferWorkerEnv(),
    })
    thread.unref()
    const worker: PoolWorker = {
      thread,
      load: 0,
      files: new Set(),
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
    thread.on('exit', () => this.#lose(worker, new Error('transfer worker exited')))
    this.#workers.push(worker)
    return worker
  }

  /** A worker died: its tasks fail (retryably: their remainders go back to the pool of work). */
  #lose(worker: PoolWorker, error: Error): void {
    this.#workers = this.#workers.filter((w) => w !== worker)
    for (const [pin, held] of this.#pins) if (held === worker) this.#pins.delete(pin)
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

  #call<T>(worker: PoolWorker, message: ToWorker & { id: number }): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      worker.load++
      this.#pending.set(message.id, { resolve: resolve as (v: unknown) => void, reject, worker })
      worker.thread.postMessage(message)
    })
  }
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

/**
 * The environment of a transfer worker: the process's, plus the compile cache the process
 * turned on (the CLI's entry, `enableCompileCache()`), which reaches a worker only through
 * NODE_COMPILE_CACHE. Without it each worker compiled the bundled engine again (~1.3 MB,
 * undici included): 20–55 ms of `compileSourceTextModule` per worker and start, against 8–9 ms
 * from the cache (docs/benchmarks.md, issue 22's W4 CPU).
 */
export function transferWorkerEnv(
  cacheDir: string | undefined = nodeModule.getCompileCacheDir?.(),
  env: NodeJS.ProcessEnv = process.env,
): NodeJS.ProcessEnv {
  if (!cacheDir || env.NODE_COMPILE_CACHE !== undefined) return env
  return { ...env, NODE_COMPILE_CACHE: cacheDir }
}

/**
 * Transfer threads for a machine with `cores` cores: one fewer than the cores (the engine's own
 * thread moves bytes too: the probe, the first ranges, every single-connection download), at
 * least one, at most eight. A worker beyond that cannot run while the others do; it costs its
 * boot (~0.1–0.2 CPU-s: Node's internals compiled again, the engine's hot paths optimized
 * again) and ~20 MB, and under load, when every thread looks busy because it waits for a core,
 * the pool started it. W4 on 2 cores: 1.36 → 1.20 CPU-s a run (docs/benchmarks.md, issue 22's
 * W4 CPU).
 */
export function defaultTransferThreads(cores: number): number {
  return Math.max(1, Math.min(8, cores - 1))
}
