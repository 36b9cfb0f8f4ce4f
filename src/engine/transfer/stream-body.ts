import { DownpourError, ERROR_CODES } from '../../shared/protocol/errors.ts'
import { FULL_READ_BYTES, type SegmentReader } from '../stats/reader-clock.ts'
import type { PartFile } from '../storage/part-file.ts'
import type { OpenResponse } from './open-response.ts'
import { classifyNetworkError } from './classify-error.ts'

export type StreamBodyOptions = {
  part: PartFile
  /** File offset of the first byte written (the body's first byte after `skip`). */
  offset: number
  /**
   * Body bytes to drop before writing (a whole-file response read for its tail: the bytes
   * before the first missing one are already on disk).
   */
  skip?: number
  /**
   * Decides, atomically with splits made by other threads, how many bytes of a chunk still
   * belong to this connection (SharedStats.advance); fewer than offered ends the exchange.
   * Without it the whole body is taken (unknown length). A body that ends exactly where its
   * segment ends completes normally, so the connection stays reusable.
   */
  claim?: (bytes: number) => number
  signal: AbortSignal
  /** A connection slower than `lowestSpeed` bytes/s over `timeoutMs` counts as stalled. */
  timeoutMs: number
  lowestSpeed: number
  onBytes(bytes: number): void
  /** Waits before accepting more bytes (bandwidth limits); resolves immediately when unlimited. */
  throttle?: (bytes: number) => Promise<void> | null
  /**
   * Told when this reader holds the connection back (the disk, a limit) and lets go, and when a
   * read comes back full: either way the server is ahead of this reader, with bytes waiting in
   * the socket — no silent server and no laggard (segment-speed.ts). Told of every other read
   * too: a short one says the socket is drained, the reader caught up.
   */
  reader?: SegmentReader
}

/**
 * Moves a response body into the part file at its offset, with backpressure from the disk.
 * Returns the offset after the last byte written. Every received byte is handed to the OS before
 * this settles, also on errors, so a retry can continue right after it.
 */
export async function streamBody(
  response: OpenResponse,
  options: StreamBodyOptions,
): Promise<number> {
  const { part } = options
  const stream = part.stream(options.offset)
  let windowStart = Date.now()
  let windowBytes = 0
  let skip = options.skip ?? 0
  const slowCheck =
    options.lowestSpeed > 0
      ? setInterval(() => {
          const elapsed = Date.now() - windowStart
          if (elapsed < options.timeoutMs) return
          const speed = (windowBytes * 1000) / elapsed
          if (speed < options.lowestSpeed) {
            response.abort(
              new DownpourError(
                ERROR_CODES.stalled,
                `too slow: ${Math.round(speed)} B/s for ${Math.round(elapsed / 1000)} s (lowest allowed ${options.lowestSpeed} B/s)`,
                { retryable: true },
              ),
            )
          }
          windowStart = Date.now()
          windowBytes = 0
        }, 1000)
      : null
  slowCheck?.unref()
  // The signal ends the exchange itself, not only what follows it: a response opened under
  // another signal (the probe's, opened before its connection existed) must stop with this one
  // too, or it reads an old version of a changed file to its end.
  const { signal } = options
  const onAbort = (): void =>
    response.abort(signal.reason instanceof Error ? signal.reason : new Error('aborted'))
  if (signal.aborted) onAbort()
  else signal.addEventListener('abort', onAbort, { once: true })
  try {
    await response.consume((chunk) => {
      let verdict: 'continue' | 'pause' | 'stop' = 'continue'
      if (chunk.length >= FULL_READ_BYTES) options.reader?.fullRead()
      else options.reader?.shortRead()
      if (skip > 0) {
        const dropped = Math.min(skip, chunk.length)
        skip -= dropped
        windowBytes += dropped
        chunk = chunk.subarray(dropped)
        if (chunk.length === 0) return verdict
      }
      const accepted = options.claim ? options.claim(chunk.length) : chunk.length
      if (accepted < chunk.length) {
        // A split gave the rest of this range to another connection.
        chunk = chunk.subarray(0, accepted)
        verdict = 'stop'
      }
      if (chunk.length > 0) {
        const room = stream.write(chunk)
        windowBytes += chunk.length
        options.onBytes(chunk.length)
        if (verdict === 'stop') return verdict
        const wait = options.throttle?.(chunk.length) ?? null
        if (!room || wait) {
          options.reader?.hold(true)
          void Promise.all([room ? null : part.waitForRoom(), wait]).then(() => {
            options.reader?.hold(false)
            response.resume()
          })
          return 'pause'
        }
      }
      return verdict
    })
  } catch (error) {
    if (signal.aborted) throw signal.reason
    throw classifyNetworkError(error)
  } finally {
    signal.removeEventListener('abort', onAbort)
    if (slowCheck) clearInterval(slowCheck)
    stream.close()
    await part.flush()
  }
  return stream.position
}
