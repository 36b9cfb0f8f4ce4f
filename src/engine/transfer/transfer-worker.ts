import { parentPort, workerData } from 'node:worker_threads'
import type { Dispatcher } from 'undici'
import { DownpourError, ERROR_CODES } from '../../shared/protocol/errors.ts'
import { ReaderClock } from '../stats/reader-clock.ts'
import { SharedStats } from '../stats/shared-stats.ts'
import { dirname } from 'node:path'
import { PartFile } from '../storage/part-file.ts'
import { diskError } from '../storage/disk-error.ts'
import { classifyNetworkError } from './classify-error.ts'
import { createDispatcher } from './http-dispatcher.ts'
import { openRange } from './open-range.ts'
import { streamBody } from './stream-body.ts'
import type {
  FetchResult,
  FetchTask,
  FromWorker,
  ToWorker,
  WorkerInit,
  WorkerResult,
} from './transfer-messages.ts'
import { hashFile } from '../checksum/hash-file.ts'

/**
 * A transfer worker: runs extra connections of segmented downloads on its own thread, with its
 * own undici dispatcher and its own handles on the part files. It decides nothing: the
 * scheduler hands it a segment, it fills it, accepting each chunk through SharedStats.advance
 * (so a split made meanwhile on another thread is respected), and counts bytes there too.
 */
const init = workerData as WorkerInit
const stats = new SharedStats(init.stats)
const clock = new ReaderClock(stats)
let dispatcherOptions = init.dispatcher
let dispatcher: Dispatcher = createDispatcher(dispatcherOptions)
/** Connection loops' own dispatchers (FetchTask.pin): one socket each, kept between ranges. */
const pinned = new Map<number, Dispatcher>()
const files = new Map<string, Promise<PartFile>>()
const running = new Map<number, AbortController>()
const port = parentPort!

port.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'fetch':
      void reply(message.id, () => fetchSegment(message.id, message.task))
      break
    case 'abort':
      running.get(message.id)?.abort(new DownpourError(ERROR_CODES.cancelled, 'stopped'))
      break
    case 'flush':
      void reply(message.id, async () => {
        const part = await files.get(message.partPath)
        if (!part) return []
        return [...(message.durable ? await part.sync() : (await part.flush(), part.written))]
      })
      break
    case 'close-file':
      void reply(message.id, async () => {
        const opened = files.get(message.partPath)
        files.delete(message.partPath)
        const part = await opened
        if (!part) return []
        try {
          // A stop after a failed write (the disk filled up) records what this thread's
          // writes put in the file, as the scheduler thread's checkpoint does for its own
          // (part-checkpoints.ts): else the rerun fetches again all they wrote since the
          // last checkpoint. Any other close (a publish, a restart) reports the failure.
          const durable = await part.sync().catch((error: unknown) => {
            if (!message.stopping || !part.failed) throw error
            return part.syncTaken()
          })
          return [...durable]
        } finally {
          // Also when the sync failed (a full disk): a descriptor left open would keep the
          // file's space in use after the download is removed, until the engine exits.
          await part.close()
        }
      })
      break
    case 'hash':
      void reply(message.id, async () => {
        // Verification progress counts up the download's byte counter from 0 (see the pool).
        const controller = new AbortController()
        running.set(message.id, controller)
        stats.setDownloadBytes(message.download, 0)
        let last = 0
        try {
          const hex = await hashFile(message.path, message.algorithm, {
            signal: controller.signal,
            onProgress: (bytes) => {
              stats.addToDownload(message.download, bytes - last)
              last = bytes
            },
          })
          return { hex }
        } catch (error) {
          if (controller.signal.aborted) throw controller.signal.reason
          throw diskError(error, `cannot verify ${message.path}`, dirname(message.path))
        } finally {
          running.delete(message.id)
        }
      })
      break
    case 'dispatcher': {
      const old = dispatcher
      dispatcherOptions = message.options
      dispatcher = createDispatcher(message.options)
      void old.close().catch(() => {})
      // The loops' own dispatchers too: each loop's next range opens one with the new options
      // (close lets a range being read finish).
      for (const own of pinned.values()) void own.close().catch(() => {})
      pinned.clear()
      break
    }
    case 'unpin': {
      const own = pinned.get(message.pin)
      pinned.delete(message.pin)
      // destroy, not close: a loop ends between ranges or retired mid-range, and a retired
      // loop's request may still be draining; its socket must not linger as an idle keep-alive.
      void own?.destroy().catch(() => {})
      break
    }
  }
})

port.postMessage({ type: 'ready' } satisfies FromWorker)

async function fetchSegment(id: number, task: FetchTask): Promise<FetchResult> {
  const controller = new AbortController()
  running.set(id, controller)
  const reader = clock.read(task.segment)
  try {
    const response = await openRange(dispatcherFor(task), task.request, controller.signal)
    if (typeof response === 'string') return response
    const part = await fileFor(task.partPath)
    await streamBody(response, {
      part,
      offset: task.request.range.start,
      claim: (bytes) => stats.advance(task.segment, bytes),
      signal: controller.signal,
      timeoutMs: task.timeoutMs,
      lowestSpeed: task.lowestSpeed,
      onBytes: (bytes) => stats.addBytes(task.download, bytes),
      throttle: (bytes) => {
        const wait = stats.take(task.download, bytes)
        return wait > 0 ? new Promise((resolve) => setTimeout(resolve, wait)) : null
      },
      reader,
    })
    return 'done'
  } finally {
    reader.stop()
    running.delete(id)
  }
}

/** The loop's own dispatcher (opened at its first range), or the shared one. */
function dispatcherFor(task: FetchTask): Dispatcher {
  if (task.pin === undefined) return dispatcher
  let own = pinned.get(task.pin)
  if (!own) {
    own = createDispatcher(dispatcherOptions, true)
    pinned.set(task.pin, own)
  }
  return own
}

function fileFor(path: string): Promise<PartFile> {
  let file = files.get(path)
  if (!file) {
    file = PartFile.open(path, 'resume')
    files.set(path, file)
    file.catch(() => files.delete(path))
  }
  return file
}

async function reply(id: number, work: () => Promise<WorkerResult>): Promise<void> {
  let message: FromWorker
  try {
    message = { type: 'reply', id, ok: true, value: await work() }
  } catch (caught) {
    const error = classifyNetworkError(caught)
    message = {
      type: 'reply',
      id,
      ok: false,
      error: {
        code: error.code,
        message: error.message,
        retryable: error.retryable,
        retryAfterMs: error.retryAfterMs,
      },
    }
  }
  port.postMessage(message)
}
