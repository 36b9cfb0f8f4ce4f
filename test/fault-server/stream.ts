/** Writing a response body: chunking, backpressure, pacing, stalls and resets, with accounting. */
import type { ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Fault } from './types.ts'

/** Largest write while rate limiting, so pacing stays smooth. */
const RATE_SLICE = 16 * 1024
/** Largest burst of nginx-style pacing (StreamPlan.bursts): nginx's `sendfile_max_chunk`. */
const BURST_MAX = 2 * 1024 * 1024
/**
 * How far a shared link's turn may lie in the past, ms: a write whose timer fired late (a loaded
 * machine) catches up on that much of the link's time, as a real link's queue would, instead of
 * the link idling meanwhile. Without it one connection got ~60 % of an 8 MiB/s link at a load
 * average of 9, and bench/mirrors.ts measured this server's timers, not the client.
 */
const LINK_CATCH_UP_MS = 50
/** Timers longer than this overflow (Node clamps them to 1 ms). */
const MAX_TIMER_MS = 2 ** 31 - 1

export type Interruption = Extract<Fault, { kind: 'reset' | 'close' | 'stall' }>

export type StreamPlan = {
  body: Buffer
  chunkSize: number
  /** Bytes per second; 0 = unlimited. */
  rate: number
  /** Pace `rate` in bursts of a second's worth (≤ BURST_MAX), as nginx's limit_rate does. */
  bursts?: boolean
  /**
   * One link for every response of the route (FileOptions.sharedRateLimit): each write takes
   * its turn on it, so all connections together get `rate` bytes/s.
   */
  shared?: { rate: number; link: { next: number } }
  interruption?: Interruption
  /** Aborted when the response closes or the server shuts down. */
  signal: AbortSignal
  /** Called with the size of each write once it has been flushed to the kernel. */
  onFlushed(bytes: number): void
}

/** Streams `plan.body` and ends the response, unless interrupted, reset or aborted. */
export async function streamBody(
  res: ServerResponse,
  socket: Socket,
  plan: StreamPlan,
): Promise<void> {
  const { body, interruption } = plan
  const stopAt = interruption
    ? Math.min(Math.max(0, interruption.afterBytes), body.length)
    : body.length
  if (!(await writeSpan(res, plan, 0, stopAt))) return

  if (interruption?.kind === 'reset' || interruption?.kind === 'close') {
    await flushed(res, plan.signal)
    if (socket.destroyed) return
    if (interruption.kind === 'reset') socket.resetAndDestroy()
    else socket.end() // FIN without finishing the HTTP response
    return
  }
  if (interruption?.kind === 'stall') {
    await flushed(res, plan.signal) // head and prefix reach the client before the silence
    const resumed =
      interruption.ms === undefined
        ? await untilAborted(plan.signal)
        : await pause(interruption.ms, plan.signal)
    if (!resumed || !(await writeSpan(res, plan, stopAt, body.length))) return
  }
  res.end()
}

/** Writes body[from, to). Resolves false if the response or server went away meanwhile. */
async function writeSpan(
  res: ServerResponse,
  plan: StreamPlan,
  from: number,
  to: number,
): Promise<boolean> {
  const { body, rate, signal, shared } = plan
  const paced = Math.min(rate > 0 ? rate : Infinity, shared ? shared.rate : Infinity)
  const slice =
    plan.bursts && rate > 0
      ? Math.max(1, Math.min(rate, BURST_MAX))
      : Number.isFinite(paced)
        ? Math.max(1, Math.min(plan.chunkSize, RATE_SLICE, Math.floor(paced / 50)))
        : plan.chunkSize
  const startedAt = performance.now()
  let offset = from
  while (offset < to) {
    if (signal.aborted || res.destroyed) return false
    const n = Math.min(slice, to - offset)
    if (shared) {
      // This write's turn on the shared link: after every write reserved before it.
      const now = performance.now()
      const turn = Math.max(now - LINK_CATCH_UP_MS, shared.link.next)
      shared.link.next = turn + (n / shared.rate) * 1000
      if (turn > now && !(await pause(turn - now, signal))) return false
      if (signal.aborted || res.destroyed) return false
    }
    const ok = res.write(body.subarray(offset, offset + n), (err) => {
      if (!err) plan.onFlushed(n)
    })
    offset += n
    if (!ok && !(await drained(res, signal))) return false
    // Paced between writes, never after the last one: a response whose last byte is out ends
    // now, as a rate-limited server's does. Sleeping a slice's time first kept it open while
    // its client, body complete, sent its next request on the same keep-alive connection — two
    // requests counted at once on one connection (maxConcurrentRequests read 3 for 2 sockets).
    if (rate > 0 && offset < to) {
      // Anchored to the start of the span so timer jitter does not accumulate.
      const wait = startedAt + ((offset - from) / rate) * 1000 - performance.now()
      if (wait > 0 && !(await pause(wait, signal))) return false
    }
  }
  return !signal.aborted
}

/** Resolves once everything written so far has been handed to the kernel (or the socket died). */
function flushed(res: ServerResponse, signal: AbortSignal): Promise<boolean> {
  if (res.destroyed || signal.aborted) return Promise.resolve(false)
  return new Promise((resolve) => {
    const onAbort = (): void => resolve(false)
    signal.addEventListener('abort', onAbort, { once: true })
    // Writes complete in order: an empty write's callback fires after all earlier ones.
    res.write(Buffer.alloc(0), (err) => {
      signal.removeEventListener('abort', onAbort)
      resolve(!err)
    })
  })
}

function drained(res: ServerResponse, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false)
  return new Promise((resolve) => {
    const finish = (ok: boolean): void => {
      res.off('drain', onDrain)
      signal.removeEventListener('abort', onAbort)
      resolve(ok)
    }
    const onDrain = (): void => finish(true)
    const onAbort = (): void => finish(false)
    res.on('drain', onDrain)
    signal.addEventListener('abort', onAbort, { once: true })
  })
}

/** Waits `ms`; resolves false (early) if aborted. */
export async function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return false
  if (ms > MAX_TIMER_MS) return untilAborted(signal)
  try {
    await sleep(ms, undefined, { signal })
    return true
  } catch {
    return false
  }
}

/** Waits until the signal aborts; always resolves false. */
function untilAborted(signal: AbortSignal): Promise<false> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve(false)
    else signal.addEventListener('abort', () => resolve(false), { once: true })
  })
}
