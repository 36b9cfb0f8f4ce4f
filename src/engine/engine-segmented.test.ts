import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { makeBody, startFaultServer, type FaultServer } from '../../test/fault-server.ts'
import {
  addOne,
  makeDirs,
  sha256,
  sha256File,
  startEngine,
  type TestEngine,
} from '../../test/engine-harness.ts'

let server: FaultServer
let dirs: Awaited<ReturnType<typeof makeDirs>>
let engine: TestEngine
const MiB = 1024 * 1024

beforeEach(async () => {
  server = await startFaultServer()
  dirs = await makeDirs()
  engine = await startEngine({ downloads: dirs.downloads, state: dirs.state })
})

afterEach(async () => {
  await engine.close()
  await server.close()
  await dirs.cleanup()
})

/** Elapsed ms to complete one download. */
async function timed(id: string): Promise<number> {
  const started = Date.now()
  const done = await engine.waitFor(id, ['completed', 'failed'], 60_000)
  expect(done.state).toBe('completed')
  return Date.now() - started
}

describe('segmented downloads', () => {
  it('splits over several connections (worker threads), survives a reset in one segment, bytes exact', async () => {
    const body = makeBody(24 * MiB + 333, 61)
    server.file('/seg.bin', body, {
      rateLimit: 4 * MiB,
      // The third request is an extra connection's segment: reset it midway.
      fault: ({ attempt }) => (attempt === 3 ? { kind: 'reset', afterBytes: 300_000 } : undefined),
    })
    const id = await addOne(engine, { url: server.url('/seg.bin') })
    const done = await engine.waitFor(id, ['completed', 'failed'], 60_000)
    expect(done.state).toBe('completed')
    expect(await sha256File(join(dirs.downloads, 'seg.bin'))).toBe(sha256(body))
    const requests = server.requests('/seg.bin')
    expect(server.maxConcurrentConnections()).toBeGreaterThanOrEqual(4)
    expect(requests.slice(1).every((r) => r.range !== undefined && r.headers['if-range'])).toBe(
      true,
    )
    // Nothing fetched twice beyond what the reset destroyed in flight and stopped connections.
    expect(server.bytesServed('/seg.bin') - body.length).toBeLessThan(4 * MiB)
  })

  it('with a per-connection cap, 8 connections finish at least 5x faster than 1', async () => {
    // Both run at once, so they share whatever else the machine is doing: a fair ratio.
    await engine.updateSettings({ maxConnectionsPerHost: 16, minSplitSize: 256 * 1024 })
    // Long enough (15 s on one connection) that slow start's first half second and the last
    // pieces weigh little, and slow enough per connection to stay light on a loaded CI machine.
    const body = makeBody(45 * MiB, 62)
    server.file('/capped-1.bin', body, { rateLimit: 3 * MiB })
    server.file('/capped-8.bin', body, { rateLimit: 3 * MiB })
    const [one, eight] = await Promise.all([
      addOne(engine, { url: server.url('/capped-1.bin'), maxConnections: 1 }).then(timed),
      addOne(engine, { url: server.url('/capped-8.bin'), maxConnections: 8 }).then(timed),
    ])
    expect(await sha256File(join(dirs.downloads, 'capped-8.bin'))).toBe(sha256(body))
    expect(await sha256File(join(dirs.downloads, 'capped-1.bin'))).toBe(sha256(body))
    expect(one / eight).toBeGreaterThanOrEqual(5)
  }, 60_000)

  it('keeps all connections busy when some are slow (dynamic splitting)', async () => {
    await engine.updateSettings({ minSplitSize: 256 * 1024 })
    const body = makeBody(32 * MiB, 63)
    // Odd connections crawl at 512 KiB/s, even ones run at 8 MiB/s.
    server.file('/mixed.bin', body, { rateLimit: (conn) => (conn % 2 ? 512 * 1024 : 8 * MiB) })
    // Eight connections: what is tested is the splitting, and the fault server runs on this
    // thread too, so many more would measure its CPU instead.
    const ms = await timed(
      await addOne(engine, { url: server.url('/mixed.bin'), maxConnections: 8 }),
    )
    expect(await sha256File(join(dirs.downloads, 'mixed.bin'))).toBe(sha256(body))
    // A static 8-way split would wait for a slow connection's 4 MiB: 8 s.
    expect(ms).toBeLessThan(4000)
  }, 30_000)

  it('hands the rest of a silent connection to another long before its timeout, no retry', async () => {
    // The timeout is 30 s and the stall never ends: only replacing the laggard finishes this.
    await engine.updateSettings({ timeoutMs: 30_000 })
    const body = makeBody(8 * MiB, 64)
    server.file('/silent.bin', body, {
      rateLimit: 4 * MiB,
      // The second request is the first extra connection: it goes silent after 256 KiB.
      fault: ({ attempt }) =>
        attempt === 2 ? { kind: 'stall', afterBytes: 256 * 1024 } : undefined,
    })
    const id = await addOne(engine, { url: server.url('/silent.bin') })
    const done = await engine.waitFor(id, ['completed', 'failed'], 15_000)
    expect(done.state).toBe('completed')
    expect(await sha256File(join(dirs.downloads, 'silent.bin'))).toBe(sha256(body))
    expect(
      engine.changes.some((c) => c.download.id === id && c.download.state === 'retrying'),
    ).toBe(false)
  }, 20_000)
})

describe('verification off the scheduler thread', () => {
  it('checks the sha-256 of a segmented download on a worker, showing progress while verifying', async () => {
    const body = makeBody(12 * MiB, 67)
    server.file('/sum.bin', body, { rateLimit: 8 * MiB })
    const { createHash } = await import('node:crypto')
    const hex = createHash('sha256').update(body).digest('hex')
    const id = await addOne(engine, {
      url: server.url('/sum.bin'),
      checksum: { algorithm: 'sha-256', hex },
    })
    const done = await engine.waitFor(id, ['completed', 'failed'], 30_000)
    expect(done).toMatchObject({ state: 'completed', done: body.length })
    expect(
      engine.changes.some((c) => c.download.id === id && c.download.state === 'verifying'),
    ).toBe(true)
  }, 30_000)
})

describe('bandwidth limits', () => {
  /** Bytes/s between the first heartbeat at or after 1 s and the last one before completion. */
  function measure(id: string): Promise<number> {
    const samples: [number, number][] = []
    const start = Date.now()
    const off = engine.on('progress/beat', (beat) => {
      const item = beat.items.find((i) => i.id === id)
      if (item) samples.push([Date.now() - start, item.done])
    })
    return engine.waitFor(id, ['completed', 'failed'], 30_000).then(() => {
      off()
      const from = samples.find(([t]) => t >= 1000)!
      const to = samples.at(-1)!
      return ((to[1] - from[1]) * 1000) / (to[0] - from[0])
    })
  }

  it('holds the overall limit within 10% across several connections', async () => {
    await engine.updateSettings({ maxOverallDownloadLimit: 2 * MiB })
    server.file('/limited.bin', makeBody(9 * MiB, 64))
    const id = await addOne(engine, { url: server.url('/limited.bin') })
    const rate = await measure(id)
    expect(Math.abs(rate - 2 * MiB) / (2 * MiB)).toBeLessThan(0.1)
  }, 30_000)

  it('holds a per-download limit, and a new overall limit applies while running', async () => {
    server.file('/own.bin', makeBody(6 * MiB, 65))
    const id = await addOne(engine, { url: server.url('/own.bin'), speedLimit: 1.5 * MiB })
    const rate = await measure(id)
    expect(Math.abs(rate - 1.5 * MiB) / (1.5 * MiB)).toBeLessThan(0.1)

    server.file('/changed.bin', makeBody(8 * MiB, 66))
    await engine.updateSettings({ maxOverallDownloadLimit: 1 * MiB })
    const changed = await addOne(engine, { url: server.url('/changed.bin') })
    setTimeout(() => void engine.updateSettings({ maxOverallDownloadLimit: 4 * MiB }), 1500)
    const started = Date.now()
    await engine.waitFor(changed, ['completed'], 30_000)
    // 1.5 s at 1 MiB/s, then ~6.5 MiB at 4 MiB/s: about 3.1 s (12 s had the change been ignored).
    expect(Date.now() - started).toBeLessThan(4500)
  }, 30_000)
})
