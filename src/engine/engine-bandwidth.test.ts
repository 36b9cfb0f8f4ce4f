import { describe, expect, it } from 'vitest'
import { makeBody } from '../../test/fault-server.ts'
import { addOne, useEngineHarness } from '../../test/engine-harness.ts'

/**
 * Bandwidth limits against a server that does ranges (the fault server, no rate cap of its own),
 * where slow start could open many connections: every connection looks slow under a limit, and
 * each new one brings its first chunk before the limiter can hold it back. The bounds are
 * generous (twice the limit plus a fixed allowance per download), so only a limit that does not
 * hold fails.
 */
const { server, engine } = useEngineHarness()
const KiB = 1024
const MiB = 1024 * KiB
const RATE = 64 * KiB
/** Per download: the bucket's burst (16 KiB here) and a chunk or two read before it holds back. */
const ALLOWANCE = 256 * KiB
/**
 * Per open connection, what the server's kernel accepts but the engine has not read: a held-back
 * connection's socket buffers on loopback (send buffer up to 4 MiB, plus the receive buffer).
 */
const SOCKET_BUFFERS = 12 * MiB
const WATCH_MS = 4000

/** Watches the heartbeats for `ms`: the most connections any download had, and its done count. */
async function watch(
  ms: number,
): Promise<{ elapsed: number; maxConnections: number; done: Map<string, number> }> {
  const started = Date.now()
  let maxConnections = 0
  const done = new Map<string, number>()
  const off = engine.on('progress/beat', (beat) => {
    for (const item of beat.items) {
      maxConnections = Math.max(maxConnections, item.connections)
      done.set(item.id, item.done)
    }
  })
  await new Promise((resolve) => setTimeout(resolve, ms))
  off()
  return { elapsed: Date.now() - started, maxConnections, done }
}

/** The most `downloads` may receive in `elapsedMs` under the limit (shared between them). */
const bound = (elapsedMs: number, downloads = 1): number =>
  (2 * RATE * elapsedMs) / 1000 + downloads * ALLOWANCE

describe('bandwidth limits against a server that does ranges', () => {
  it('a per-download limit holds for the bytes the server sends, and slow start opens no more connections', async () => {
    server.file('/f.bin', makeBody(8 * MiB, 71))
    const started = Date.now()
    const id = await addOne(engine, { url: server.url('/f.bin'), speedLimit: RATE })
    const seen = await watch(WATCH_MS)
    const elapsed = Date.now() - started
    expect(seen.done.get(id) ?? 0).toBeGreaterThan(0)
    expect(seen.done.get(id)!).toBeLessThanOrEqual(bound(elapsed))
    // Connections replaced or stolen from drop what their buffers held: it is fetched again.
    expect(server.bytesServed('/f.bin')).toBeLessThanOrEqual(bound(elapsed) + SOCKET_BUFFERS)
    // One connection delivers 256 KiB/s on loopback: the limiter, not the link, sets the pace.
    expect(seen.maxConnections).toBe(1)
  }, 20_000)

  it('under a limit above what one connection brings, slow start still grows', async () => {
    // The server caps each connection at a quarter of the limit: the buckets never go into
    // debt with one connection, so more are opened (and the limit is then what holds them).
    server.file('/capped.bin', makeBody(32 * MiB, 75), { rateLimit: 64 * KiB })
    const id = await addOne(engine, { url: server.url('/capped.bin'), speedLimit: 4 * 64 * KiB })
    const seen = await watch(WATCH_MS)
    expect(seen.done.get(id) ?? 0).toBeGreaterThan(0)
    expect(seen.maxConnections).toBeGreaterThan(1)
  }, 20_000)

  it('the overall limit holds for the bytes the server sends across several downloads', async () => {
    await engine.updateSettings({ maxOverallDownloadLimit: RATE })
    const paths = ['/a.bin', '/b.bin', '/c.bin']
    for (const [i, path] of paths.entries()) server.file(path, makeBody(16 * MiB, 72 + i))
    const started = Date.now()
    const ids = []
    for (const path of paths) ids.push(await addOne(engine, { url: server.url(path) }))
    const seen = await watch(WATCH_MS)
    const elapsed = Date.now() - started
    const done = ids.reduce((sum, id) => sum + (seen.done.get(id) ?? 0), 0)
    expect(done).toBeGreaterThan(0)
    expect(done).toBeLessThanOrEqual(bound(elapsed, ids.length))
    expect(server.bytesServed()).toBeLessThanOrEqual(
      bound(elapsed, ids.length) + ids.length * SOCKET_BUFFERS,
    )
    expect(seen.maxConnections).toBe(1)
  }, 20_000)
})
