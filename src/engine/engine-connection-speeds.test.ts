import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { makeBody } from '../../test/fault-server.ts'
import { addOne, sha256, sha256File, useEngineHarness } from '../../test/engine-harness.ts'

// Timeouts far above what a loaded 2-core machine takes to answer: these tests are about how
// many connections a download runs and which ones get work, not about timeouts.
const { server, dirs, engine } = useEngineHarness({ engine: { settings: { timeoutMs: 20_000 } } })
const MiB = 1024 * 1024

const summary = (): string | undefined =>
  engine.logs.map((l) => l.message).find((m) => m.includes('connections: '))

describe('connections of different speeds', () => {
  it('a connection far slower than the fastest takes no more ranges: it closes, and the end goes to the fast ones', async () => {
    await engine.updateSettings({ minSplitSize: 256 * 1024 })
    const body = makeBody(8 * MiB, 401)
    // Odd TCP connections crawl at 64 KiB/s, even ones run at 2 MiB/s (W4's mix of 16 to 1,
    // slowed so that a loaded machine's readers keep up with the fast ones: a reader that falls
    // behind its server measures the machine, and is never compared).
    server.file('/mix.bin', body, {
      rateLimit: (connection) => (connection % 2 ? 64 * 1024 : 2 * MiB),
    })
    const id = await addOne(engine, { url: server.url('/mix.bin'), maxConnections: 6 })
    const done = await engine.waitFor(id, ['completed', 'failed'], 90_000)
    expect(done.state).toBe('completed')
    expect(await sha256File(join(dirs.downloads, 'mix.bin'))).toBe(sha256(body))
    // The download's timeline: per connection, bytes, start, end and steals, summed up.
    const line = summary()
    expect(line).toBeDefined()
    const closedAsSlow = Number(/(\d+) closed as too slow/.exec(line!)?.[1])
    const robbed = Number(/(\d+) robbed by/.exec(line!)?.[1])
    // Slow connections were closed (too slow to win a range), robbed of their rest by a fast one
    // or cut by a split (which ends the response and closes that socket: the loop's next range
    // goes over a fresh one, TransferPool.pin), rather than left to finish a long rest alone.
    const onSlow = server.requests('/mix.bin').filter((r) => r.connectionId % 2 === 1)
    const asked = (r: (typeof onSlow)[number]): number =>
      r.range ? (r.range.end ?? body.length - 1) + 1 - r.range.start : body.length
    const cut = onSlow.filter((r) => r.bytesServed < asked(r)).length
    expect(closedAsSlow + robbed + cut).toBeGreaterThan(0)
    // What the server saw: the slow connections' requests sent a small part of the file.
    const slowBytes = server
      .requests('/mix.bin')
      .filter((r) => r.connectionId % 2 === 1)
      .reduce((n, r) => n + r.bytesServed, 0)
    expect(slowBytes).toBeLessThan(body.length / 2)
  }, 120_000)
})

describe('a server that paces in bursts (nginx limit_rate, W4)', () => {
  it('the quiet rest of a slow connection goes to a fast one, and no byte is fetched twice', async () => {
    await engine.updateSettings({ minSplitSize: 256 * 1024 })
    const body = makeBody(16 * MiB, 402)
    // As W4's nginx: odd connections get a burst of 256 KiB a second, even ones 2 MiB every
    // half second. A slow range's first 256 KiB come at once, the rest after a second's quiet.
    server.file('/bursts.bin', body, {
      rateLimit: (connection) => (connection % 2 ? 256 * 1024 : 4 * MiB),
      rateBursts: true,
    })
    const id = await addOne(engine, { url: server.url('/bursts.bin'), maxConnections: 8 })
    const done = await engine.waitFor(id, ['completed', 'failed'], 90_000)
    expect(done.state).toBe('completed')
    expect(await sha256File(join(dirs.downloads, 'bursts.bin'))).toBe(sha256(body))
    const requests = server.requests('/bursts.bin')
    const onSlow = requests.filter((r) => r.connectionId % 2 === 1)
    const asked = (r: (typeof requests)[number]): number =>
      r.range ? (r.range.end ?? body.length - 1) + 1 - r.range.start : body.length
    // Slow connections' rests were taken (a steal or a split ends their responses early)...
    expect(onSlow.filter((r) => r.bytesServed < asked(r)).length).toBeGreaterThan(0)
    expect(onSlow.reduce((n, r) => n + r.bytesServed, 0)).toBeLessThan(body.length / 2)
    // ...once their server's burst had been read: a rest taken while its burst was on its way
    // would be sent twice, a connection's whole range at worst. What the server sent is the
    // file and at most a burst or so: a split that cuts a fast connection's 2 MiB burst sends
    // the bytes past the cut twice (1.00–1.19 × the file in 12 runs, as before quiet rests were
    // taken).
    expect(server.bytesServed('/bursts.bin')).toBeLessThan(body.length * 1.3)
  }, 120_000)
})

describe('no connections that bring nothing', () => {
  it('against a server capped as a whole, gives the extra connections back instead of ramping to the maximum', async () => {
    const body = makeBody(12 * MiB, 402)
    // 3 MiB/s for the file, however many connections ask (4 s: time for slow start to judge).
    server.file('/whole.bin', body, { sharedRateLimit: 3 * MiB })
    const id = await addOne(engine, { url: server.url('/whole.bin'), maxConnections: 32 })
    const done = await engine.waitFor(id, ['completed', 'failed'], 60_000)
    expect(done.state).toBe('completed')
    expect(await sha256File(join(dirs.downloads, 'whole.bin'))).toBe(sha256(body))
    // Slow start grew to 4 (kept whatever it brings) and on, which brought no more speed: when
    // the beats could judge it (not while the machine's disk or CPU set the pace) it went back
    // to 4 and said so. (With 1 MiB ranges there are 12; the give-back itself is proven in
    // connection-ramp.test.ts: on a loaded machine a beat may read a gain that is noise.)
    expect(server.maxConcurrentRequests('/whole.bin')).toBeLessThanOrEqual(16)
    const gaveBack = engine.logs.filter((l) => /brought no more speed/.test(l.message))
    for (const l of gaveBack) expect(l.message).toMatch(/than 4;/)
  }, 60_000)

  it('keeps ramping where more connections pay: a cap per connection', async () => {
    const body = makeBody(8 * MiB, 403)
    server.file('/per.bin', body, { rateLimit: 512 * 1024 })
    const id = await addOne(engine, { url: server.url('/per.bin'), maxConnections: 16 })
    const done = await engine.waitFor(id, ['completed', 'failed'], 60_000)
    expect(done.state).toBe('completed')
    expect(await sha256File(join(dirs.downloads, 'per.bin'))).toBe(sha256(body))
    expect(server.maxConcurrentRequests('/per.bin')).toBeGreaterThan(4)
    expect(engine.logs.some((l) => /brought no more speed/.test(l.message))).toBe(false)
  }, 60_000)
})
