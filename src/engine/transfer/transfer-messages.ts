import type { ByteRange } from '../segments/byte-ranges.ts'
import type { DispatcherOptions } from './http-dispatcher.ts'
import type { RangeRequest } from './open-range.ts'
import type { ChecksumAlgorithm } from '../../shared/protocol/model.ts'

/** Messages between the scheduler thread (TransferPool) and transfer workers. */

export type FetchTask = {
  request: RangeRequest
  /** SharedStats slots: the segment this connection fills, the download it counts for. */
  segment: number
  download: number
  partPath: string
  timeoutMs: number
  lowestSpeed: number
  /**
   * The connection loop asking (TransferPool.pin): its ranges go over one socket of its own on
   * one worker, so its speed is that socket's (servers shape per TCP connection). Absent: any
   * socket of the worker's shared dispatcher.
   */
  pin?: number
}

export type ToWorker =
  | { type: 'fetch'; id: number; task: FetchTask }
  | { type: 'abort'; id: number }
  /** Flush (and with `durable`, fsync) a part file; reply with the ranges written so far. */
  | { type: 'flush'; id: number; partPath: string; durable: boolean }
  /**
   * Flush, fsync and close a part file; reply with its written ranges. With `stopping`, a
   * file whose write failed (a full disk) replies with what the OS took instead of the failure.
   */
  | { type: 'close-file'; id: number; partPath: string; stopping: boolean }
  | { type: 'dispatcher'; options: DispatcherOptions }
  /** A connection loop ended: its own socket (FetchTask.pin) closes. */
  | { type: 'unpin'; pin: number }
  /** Hash a finished file off the scheduler thread; progress goes to the download's counter. */
  | { type: 'hash'; id: number; path: string; algorithm: ChecksumAlgorithm; download: number }

/** A fetch's result: 'done', or why its range could not be read (see RangeOutcome). */
export type FetchResult = 'done' | 'no-ranges' | 'changed' | 'encoded'

export type WorkerResult = FetchResult | ByteRange[] | { hex: string }

export type WorkerError = {
  code: string
  message: string
  retryable: boolean
  retryAfterMs: number | null
}

export type FromWorker =
  /** Sent once, when the worker has loaded its modules and listens. */
  | { type: 'ready' }
  | { type: 'reply'; id: number; ok: true; value: WorkerResult }
  | { type: 'reply'; id: number; ok: false; error: WorkerError }

export type WorkerInit = { stats: SharedArrayBuffer; dispatcher: DispatcherOptions }
