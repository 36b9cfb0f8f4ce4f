import { readdirSync, readlinkSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { makeBody, startFaultServer, type FaultServer } from '../../../test/fault-server.ts'
import { DownpourError, ERROR_CODES } from '../../shared/protocol/errors.ts'
import { SharedStats } from '../stats/shared-stats.ts'
import { PartFile } from '../storage/part-file.ts'
import { defaultTransferThreads, TransferPool, transferWorkerEnv } from './transfer-pool.ts'
import type { FetchTask } from './transfer-messages.ts'

const MiB = 1024 * 1024
const SIZE = 4 * MiB
let server: FaultServer
let dir: string
let pool: TransferPool | null = null

beforeEach(async () => {
  server = await startFaultServer()
  server.file('/f.bin', makeBody(SIZE, 5), { rateLimit: 128 * 1024 })
  dir = await mkdtemp(join(tmpdir(), 'downpour-pool-'))
})

afterEach(async () => {
  await pool?.close()
  pool = null
  await server.close()
  await rm(dir, { recursive: true, force: true })
})

async function booted(entry?: URL): Promise<{ pool: TransferPool; stats: SharedStats }> {
  const stats = new SharedStats()
  pool = new TransferPool({ size: 1, stats, dispatcher: { timeoutMs: 10_000, proxy: null }, entry })
  pool.warm()
  while (!pool.ready) await new Promise((resolve) => setTimeout(resolve, 20))
  return { pool, stats }
}

function taskFor(stats: SharedStats, partPath: string): FetchTask {
  stats.initSegment(0, 0, 0, MiB)
  return {
    request: {
      url: server.url('/f.bin'),
      headers: {},
      range: { start: 0, end: MiB },
      validator: null,
      size: SIZE,
    },
    segment: 0,
    download: 0,
    partPath,
    timeoutMs: 10_000,
    lowestSpeed: 0,
  }
}

/** This process's descriptors (every thread's) open on `path`. */
function descriptorsOn(path: string): number {
  let count = 0
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).startsWith(path)) count++
    } catch {
      // Closed meanwhile.
    }
  }
  return count
}

describe('TransferPool', () => {
  it('rejects fetch and hash at once when the signal is already aborted, and starts no request', async () => {
    const { pool, stats } = await booted()
    const partPath = join(dir, 'f.bin.part')
    const part = await PartFile.open(partPath, 'fresh')
    const stopped = new DownpourError(ERROR_CODES.cancelled, 'stopped')
    const signal = AbortSignal.abort(stopped)
    // Before the fix the task went to the worker anyway: its 'abort' listener never fired, and
    // the worker fetched the whole segment (8 s at this rate) for a paused download.
    await expect(pool.fetch(taskFor(stats, partPath), signal)).rejects.toBe(stopped)
    await expect(pool.hash(partPath, 'sha-256', 0, signal)).rejects.toBe(stopped)
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(server.requests('/f.bin')).toHaveLength(0)
    await part.close()
  })

  it('closes the descriptors of a worker that crashed mid-segment (Node does, on thread exit)', async () => {
    if (process.platform !== 'linux') {
      console.log('skipped: reads /proc/self/fd, Linux only')
      return
    }
    const entry = new URL('../../../test/crashing-transfer-worker.ts', import.meta.url)
    const { pool, stats } = await booted(entry)
    const partPath = join(dir, 'f.bin.part')
    const part = await PartFile.open(partPath, 'fresh')
    await part.close()
    await expect(
      pool.fetch(taskFor(stats, partPath), new AbortController().signal),
    ).rejects.toMatchObject({ code: ERROR_CODES.internal, retryable: true })
    // The worker's thread exits after its error: then its descriptors are closed by the pool.
    for (let i = 0; i < 100 && descriptorsOn(partPath) > 0; i++)
      await new Promise((resolve) => setTimeout(resolve, 20))
    expect(descriptorsOn(partPath)).toBe(0)
  })
})

describe('TransferPool pins', () => {
  /** A task for `range` of /p.bin (unthrottled), for the loop `pin`. */
  function rangeTask(
    stats: SharedStats,
    partPath: string,
    slot: number,
    start: number,
    pin?: number,
  ): FetchTask {
    const range = { start, end: start + 64 * 1024 }
    stats.initSegment(slot, 0, range.start, range.end)
    return {
      request: { url: server.url('/p.bin'), headers: {}, range, validator: null, size: SIZE },
      segment: slot,
      download: 0,
      partPath,
      timeoutMs: 10_000,
      lowestSpeed: 0,
      ...(pin === undefined ? {} : { pin }),
    }
  }

  it("keeps each loop's ranges on one socket of its own, never another loop's idle one, and closes it at unpin", async () => {
    server.file('/p.bin', makeBody(SIZE, 6))
    const { pool, stats } = await booted()
    const partPath = join(dir, 'p.bin.part')
    const part = await PartFile.open(partPath, 'fresh')
    const signal = new AbortController().signal
    const a = pool.pin()
    const b = pool.pin()
    // One after another: b's range finds a's socket idle. Through the worker's shared keep-alive
    // pool it went over that socket (servers shape per socket: b would inherit a's speed).
    await pool.fetch(rangeTask(stats, partPath, 1, 0, a), signal)
    await pool.fetch(rangeTask(stats, partPath, 2, 64 * 1024, b), signal)
    await pool.fetch(rangeTask(stats, partPath, 3, 128 * 1024, a), signal)
    await pool.fetch(rangeTask(stats, partPath, 4, 192 * 1024, b), signal)
    const on = server.requests('/p.bin').map((r) => r.connectionId)
    expect(on).toHaveLength(4)
    expect(on[0]).not.toBe(on[1])
    expect(on[2]).toBe(on[0])
    expect(on[3]).toBe(on[1])
    // A loop that ends takes its socket with it: a slow socket is not left for the next loop.
    pool.unpin(a)
    pool.unpin(b)
    await expect.poll(() => server.openConnections(), { timeout: 10_000 }).toBe(0)
    // A new loop opens a socket of its own.
    await pool.fetch(rangeTask(stats, partPath, 5, 256 * 1024, pool.pin()), signal)
    expect(server.requests('/p.bin').at(-1)!.connectionId).toBe(3)
    await part.close()
  })
})

describe('transfer worker environment', () => {
  it('hands the process’s compile cache to the workers, which reach it only through NODE_COMPILE_CACHE', () => {
    const env = { PATH: '/bin' }
    expect(transferWorkerEnv('/tmp/cache', env)).toEqual({
      PATH: '/bin',
      NODE_COMPILE_CACHE: '/tmp/cache',
    })
    // No cache on (NODE_DISABLE_COMPILE_CACHE, an older Node): the environment as it is.
    expect(transferWorkerEnv(undefined, env)).toBe(env)
    // One set by the user wins (the process's cache came from it anyway).
    const own = { NODE_COMPILE_CACHE: '/elsewhere' }
    expect(transferWorkerEnv('/tmp/cache', own)).toBe(own)
  })
})

describe('transfer threads by default', () => {
  it('leaves a core to the engine’s own thread, never none, at most eight', () => {
    expect(defaultTransferThreads(1)).toBe(1)
    expect(defaultTransferThreads(2)).toBe(1)
    expect(defaultTransferThreads(4)).toBe(3)
    expect(defaultTransferThreads(64)).toBe(8)
  })
})
