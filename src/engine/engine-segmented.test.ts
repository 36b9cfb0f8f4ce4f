import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { makeBody, type RecordedRequest } from '../../test/fault-server.ts'
import { addOne, sha256, sha256File, useEngineHarness } from '../../test/engine-harness.ts'
import { servedTwice } from '../../test/served-twice.ts'

// Connection timeouts far above what a loaded 2-core CI machine takes to answer: these tests
// are about splitting, not timeouts (2 s, the harness's default, tripped under 4 parallel runs).
const { server, dirs, engine } = useEngineHarness({ engine: { settings: { timeoutMs: 20_000 } } })
const MiB = 1024 * 1024

/** Where the range a request asked for ends (exclusive). */
const end = (r: RecordedRequest, size: number): number =>
  r.range?.end === undefined ? size : r.range.end + 1

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
    // What was sent twice: what the reset destroyed in flight (at most the 300 000 bytes its
    // response was sent) and what connections that were cut had in flight. A connection is cut
    // (split, robbed, replaced) only while its reader keeps up with its server, so that stays
    // small however loaded the machine: the server runs ahead of a busy reader by up to its
    // socket buffers, and robbing such readers fetched 4–20 MB twice with 4 runs in parallel.
    // By request, for the report when it fails. (A byte may go out three times: in flight to a
    // cut connection, to the reset one, and again after the reset.)
    const twice = servedTwice(requests)
    const report = twice.overlaps.map((o) => `${o.asked}: ${o.twice} twice`).join('; ')
    expect(twice.total, report).toBe(server.bytesServed('/seg.bin') - body.length)
    expect(twice.total, report).toBeLessThan(4 * MiB)
  }, 60_000)

  it('with a per-connection cap, opens its 8 connections at once, each held to the cap; 1 stays 1', async () => {
    // How much faster that makes it is a benchmark figure (bench W3), not a test: here, that the
    // engine reaches the count (slow start goes to the maximum when every connection is slow)
    // and never passes it.
    await engine.updateSettings({ maxConnectionsPerHost: 16, minSplitSize: 256 * 1024 })
    const body = makeBody(8 * MiB, 62)
    server.file('/capped-1.bin', body, { rateLimit: MiB })
    server.file('/capped-8.bin', body, { rateLimit: MiB })
    const peak = new Map<string, number>()
    const off = engine.on('progress/beat', (beat) => {
      for (const i of beat.items) peak.set(i.id, Math.max(peak.get(i.id) ?? 0, i.connections))
    })
    const [one, eight] = await Promise.all([
      addOne(engine, { url: server.url('/capped-1.bin'), maxConnections: 1 }),
      addOne(engine, { url: server.url('/capped-8.bin'), maxConnections: 8 }),
    ])
    await Promise.all([one, eight].map((id) => engine.waitFor(id, ['completed'], 60_000)))
    off()
    expect(await sha256File(join(dirs.downloads, 'capped-8.bin'))).toBe(sha256(body))
    expect(await sha256File(join(dirs.downloads, 'capped-1.bin'))).toBe(sha256(body))
    expect([peak.get(one), peak.get(eight)]).toEqual([1, 8])
    // The server saw them, never more than 8 at once, and the single connection asked once.
    // (The server now stops counting a request at its client's reset, so the probe, cut at the
    // end of its share about when the 8th connection arrives, no longer lingers in the count:
    // on a loaded machine the server sees 6-8 at its peak while the engine holds 8.)
    expect(server.maxConcurrentRequests('/capped-8.bin')).toBeGreaterThan(4)
    expect(server.maxConcurrentRequests('/capped-8.bin')).toBeLessThanOrEqual(8)
    expect(server.requests('/capped-1.bin')).toHaveLength(1)
  }, 90_000)

  it('keeps all connections busy when some are slow (dynamic splitting)', async () => {
    await engine.updateSettings({ minSplitSize: 256 * 1024 })
    const body = makeBody(32 * MiB, 63)
    // Odd connections crawl at 512 KiB/s, even ones run at 8 MiB/s.
    server.file('/mixed.bin', body, { rateLimit: (conn) => (conn % 2 ? 512 * 1024 : 8 * MiB) })
    // Eight connections: what is tested is the splitting, and the fault server runs on this
    // thread too, so many more would measure its CPU instead.
    const id = await addOne(engine, { url: server.url('/mixed.bin'), maxConnections: 8 })
    const done = await engine.waitFor(id, ['completed', 'failed'], 90_000)
    expect(done.state).toBe('completed')
    expect(await sha256File(join(dirs.downloads, 'mixed.bin'))).toBe(sha256(body))
    // A static 8-way split would leave each crawler its 4 MiB (8 s at 512 KiB/s). Instead what
    // was asked of a crawler was split or handed over: a later request starts inside it. (How
    // much sooner the download ends is a benchmark figure, not a test.)
    const requests = server.requests('/mixed.bin')
    const askedOfSlow = requests
      .filter((r) => r.connectionId % 2 === 1)
      .map((r) => ({ start: r.range?.start ?? 0, end: end(r, body.length) }))
    const takenOver = requests.filter((r) =>
      askedOfSlow.some((s) => s.start < (r.range?.start ?? 0) && (r.range?.start ?? 0) < s.end),
    )
    expect(takenOver.length).toBeGreaterThan(0)
  }, 90_000)

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

    // Raised from 1 to 4 MiB/s once 1.5 MiB are in: the rest comes at the new limit. Judged on
    // rates, with room for a loaded machine's late heartbeats (not on the time it all took).
    server.file('/changed.bin', makeBody(10 * MiB, 66))
    await engine.updateSettings({ maxOverallDownloadLimit: 1 * MiB })
    const changed = await addOne(engine, { url: server.url('/changed.bin') })
    const samples: { at: number; done: number }[] = []
    let raisedAt = 0
    const off = engine.on('progress/beat', (beat) => {
      const item = beat.items.find((i) => i.id === changed)
      if (!item) return
      samples.push({ at: Date.now(), done: item.done })
      if (!raisedAt && item.done >= 1.5 * MiB) {
        raisedAt = Date.now()
        void engine.updateSettings({ maxOverallDownloadLimit: 4 * MiB })
      }
    })
    await engine.waitFor(changed, ['completed'], 60_000)
    off()
    const rateOf = (from: { at: number; done: number }, to: { at: number; done: number }) =>
      ((to.done - from.done) * 1000) / (to.at - from.at)
    const before = samples.filter((x) => x.at < raisedAt)
    const after = samples.filter((x) => x.at >= raisedAt + 500)
    expect(
      rateOf(
        before.find((x) => x.done > 0)!,
        before.at(-1)!,
      ),
    ).toBeLessThan(1.25 * MiB)
    const raised = rateOf(after[0]!, after.at(-1)!)
    expect(raised).toBeGreaterThan(2 * MiB)
    expect(raised).toBeLessThan(4.4 * MiB)
  }, 60_000)
})
