import { DownpourError, ERROR_CODES } from '../../shared/protocol/errors.ts'
import { missingRanges, totalBytes } from '../segments/byte-ranges.ts'
import type { PartFile } from '../storage/part-file.ts'
import type { OpenResponse } from './open-response.ts'
import { streamBody } from './stream-body.ts'
import type { TransferState } from './transfer-state.ts'

/**
 * The response's body into the part file from `writeFrom`, up to `end` (null: to its end), on
 * this thread and this connection only: no segments, slots, ramp or worker (every small file,
 * a body of unknown length, a whole-file fallback). Returns where the body stopped.
 */
export function streamOnThisConnection(
  s: TransferState,
  response: OpenResponse,
  bodyAt: number,
  end: number | null,
  writeFrom = bodyAt,
): Promise<number> {
  const { ctx } = s
  const { stats } = ctx.shared
  const slot = ctx.downloadSlot
  let position = writeFrom
  const single = (s.single = { start: writeFrom, pos: writeFrom, end: end ?? writeFrom })
  return streamBody(response, {
    part: s.part!,
    offset: writeFrom,
    // Bytes before the first missing one are already here (a whole-file fallback).
    skip: writeFrom - bodyAt,
    // A server sending more than the range it announced must not write past the file's end.
    claim:
      end === null
        ? undefined
        : (bytes) => {
            const taken = Math.min(bytes, end - position)
            position += taken
            return taken
          },
    signal: s.signal,
    timeoutMs: ctx.settings().timeoutMs,
    lowestSpeed: ctx.settings().lowestSpeedLimit,
    throttle: s.throttle,
    onBytes: (n) => {
      stats.addBytes(slot, n)
      single.pos += n
      if (end === null) single.end = single.pos
    },
  }).finally(() => (s.single = null))
}

/**
 * A body of no length (chunked): one connection, and the end of the body is the end of the
 * file — its size from then on.
 */
export async function streamUnknownLength(
  s: TransferState,
  response: OpenResponse,
  at: number,
): Promise<void> {
  s.record.size = await streamOnThisConnection(s, response, at, null)
  s.ctx.changed()
}

/** A connection that ended early leaves bytes missing: a retry (which keeps the rest) fetches them. */
export function throwIfMissing(part: PartFile, size: number): void {
  const left = missingRanges(part.written, size)
  if (left.length > 0) {
    throw new DownpourError(ERROR_CODES.network, `${totalBytes(left)} bytes still missing`, {
      retryable: true,
    })
  }
}
