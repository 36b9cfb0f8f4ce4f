import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { makeBody } from '../../test/fault-server.ts'
import { startForwardProxy } from '../../test/forward-proxy.ts'
import { addOne, sha256, sha256File, useEngineHarness } from '../../test/engine-harness.ts'

const MiB = 1024 * 1024
// Each test opens its engine itself, with the settings it is about.
const { server, dirs, engine, open, onTeardown } = useEngineHarness({ engine: false })

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Waits until download `id` has received some bytes (its first exchange is running). */
async function receiving(id: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    const snap = (await engine.snapshot()).downloads.find((d) => d.id === id)
    if (snap && snap.done > 0) return
    await sleep(25)
  }
  throw new Error(`download ${id} received nothing`)
}

/** Resolves with 'hung' if `promise` has not settled after `ms` (a generous bound, not a timing). */
const settlesWithin = <T>(promise: Promise<T>, ms: number) =>
  Promise.race([promise.then(() => 'settled' as const), sleep(ms).then(() => 'hung' as const)])

describe('pause', () => {
  it('with many slow connections resolves, and no request starts after it', async () => {
    await open({ settings: { maxConnectionsPerDownload: 16, minSplitSize: 128 * 1024 } })
    // 128 KiB/s per connection: a segment claimed after the pause would take seconds.
    server.file('/slow.bin', makeBody(24 * MiB, 31), { rateLimit: 128 * 1024 })
    const id = await addOne(engine, { url: server.url('/slow.bin') })
    await receiving(id)
    // Let slow start open its connections and some segments finish and split.
    for (let i = 0; i < 100; i++) {
      const snap = (await engine.snapshot()).downloads[0]!
      if (snap.connections >= 8 && snap.done > 2 * MiB) break
      await sleep(100)
    }
    expect(await settlesWithin(engine.pause({ ids: [id] }), 10_000)).toBe('settled')
    const requests = server.requests('/slow.bin').length
    await sleep(1000)
    expect(server.requests('/slow.bin').length).toBe(requests)
    const snap = (await engine.snapshot()).downloads[0]!
    expect(snap.state).toBe('paused')
    expect(snap.connections).toBe(0)
  }, 60_000)
})

describe('changing timeoutMs or proxy while downloads run', () => {
  it('fails nothing: a retry after the change uses the new dispatcher, running exchanges finish', async () => {
    await open()
    // Its first response ends early (after the change): the retry is a new request.
    const one = makeBody(MiB, 32)
    server.file('/one.bin', one, {
      rateLimit: 256 * 1024,
      fault: ({ attempt }) => (attempt === 1 ? { kind: 'close', afterBytes: 400_000 } : undefined),
    })
    // A segmented download whose exchanges are running when the settings change.
    const seg = makeBody(6 * MiB, 33)
    server.file('/seg.bin', seg, { rateLimit: 1024 * 1024 })
    const oneId = await addOne(engine, { url: server.url('/one.bin') })
    const segId = await addOne(engine, { url: server.url('/seg.bin') })
    await receiving(oneId)
    await receiving(segId)
    await engine.updateSettings({ timeoutMs: 5000 })

    const [oneDone, segDone] = await Promise.all([
      engine.waitFor(oneId, ['completed', 'failed'], 60_000),
      engine.waitFor(segId, ['completed', 'failed'], 60_000),
    ])
    expect(oneDone.error).toBeNull()
    expect(oneDone.state).toBe('completed')
    expect(segDone.state).toBe('completed')
    expect(await sha256File(join(dirs.downloads, 'one.bin'))).toBe(sha256(one))
    expect(await sha256File(join(dirs.downloads, 'seg.bin'))).toBe(sha256(seg))
    expect(
      engine.logs.filter((l) => /UND_ERR_DESTROYED|UND_ERR_CLOSED|destroyed/i.test(l.message)),
    ).toEqual([])
  }, 90_000)

  it('sends the requests made after a proxy change through the new proxy', async () => {
    const proxy = await startForwardProxy()
    onTeardown(() => proxy.close())
    await open()
    const one = makeBody(MiB, 34)
    server.file('/one.bin', one, {
      rateLimit: 256 * 1024,
      fault: ({ attempt }) => (attempt === 1 ? { kind: 'close', afterBytes: 400_000 } : undefined),
    })
    const id = await addOne(engine, { url: server.url('/one.bin') })
    await receiving(id)
    await engine.updateSettings({ proxy: proxy.origin })
    const done = await engine.waitFor(id, ['completed', 'failed'], 60_000)
    expect(done.error).toBeNull()
    expect(done.state).toBe('completed')
    expect(await sha256File(join(dirs.downloads, 'one.bin'))).toBe(sha256(one))
    // The first exchange went direct; the retry (with its Range) through the proxy.
    expect(proxy.hops().filter((h) => h.path === '/one.bin')).toHaveLength(1)
    expect(server.requests('/one.bin')[1]?.range?.start).toBeGreaterThan(0)
  }, 60_000)
})
