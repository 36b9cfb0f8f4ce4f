import { readdir, readFile, stat, writeFile, mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { totalBytes } from './segments/byte-ranges.ts'
import { makeBody, startFaultServer } from '../../test/fault-server.ts'
import { addOne, sha256, sha256File, useEngineHarness } from '../../test/engine-harness.ts'

const { server, dirs, open } = useEngineHarness({ engine: false })
const engineFor = (settings = {}) => open({ settings })

const MiB = 1024 * 1024

describe('the queue', () => {
  it('refuses a duplicate URL into the same folder with a message naming the existing download', async () => {
    const engine = await engineFor()
    server.file('/dup.bin', makeBody(100))
    await addOne(engine, { url: server.url('/dup.bin'), paused: true })
    const result = await engine.add([
      { url: server.url('/dup.bin#fragment') },
      { url: server.url('/dup.bin'), dir: join(dirs.root, 'elsewhere') },
    ])
    expect(result.rejected).toHaveLength(1)
    expect(result.rejected[0]).toMatchObject({ index: 0, error: { code: 'DP_ERR_DUPLICATE' } })
    expect(result.rejected[0]?.error.message).toMatch(
      /already in the queue as "dup.bin" \(paused\)/,
    )
    expect(result.added).toHaveLength(1)
  })

  it('rejects bad input per item with a reason while the valid items are added', async () => {
    const engine = await engineFor()
    const result = await engine.add([
      { url: 'javascript:alert(1)' },
      { url: 'not a url' },
      { url: server.url('/ok.bin'), paused: true },
      { url: server.url('/x.bin'), name: '../evil' },
    ])
    expect(result.added.map((d) => d.name)).toEqual(['ok.bin'])
    expect(result.rejected.map((r) => [r.index, r.error.code])).toEqual([
      [0, 'DP_ERR_UNSUPPORTED_SCHEME'],
      [1, 'DP_ERR_BAD_URL'],
      [3, 'DP_ERR_INVALID_ARGUMENT'],
    ])
  })

  it('runs 1,000 queued downloads with at most 5 at once, all completing', async () => {
    const engine = await engineFor({ maxConcurrentDownloads: 5 })
    const bodies = Array.from({ length: 1000 }, (_, i) => makeBody(1000 + i, i + 1))
    bodies.forEach((body, i) => server.file(`/many/f${i}.bin`, body))
    let maxActive = 0
    engine.on('progress/beat', (beat) => (maxActive = Math.max(maxActive, beat.active)))
    const result = await engine.add(bodies.map((_, i) => ({ url: server.url(`/many/f${i}.bin`) })))
    expect(result.added).toHaveLength(1000)
    await Promise.all(result.added.map((d) => engine.waitFor(d.id, ['completed'], 60_000)))
    expect(server.maxConcurrentConnections()).toBeLessThanOrEqual(5)
    expect(maxActive).toBeLessThanOrEqual(5)
    const files = await readdir(dirs.downloads)
    expect(files).toHaveLength(1000)
    expect(await sha256File(join(dirs.downloads, 'f999.bin'))).toBe(sha256(bodies[999]!))
  }, 60_000)

  it('starts downloads in queue order, and a moved download goes first', async () => {
    const engine = await engineFor({ maxConcurrentDownloads: 1 })
    for (const n of ['a', 'b', 'c']) server.file(`/${n}`, makeBody(10))
    const result = await engine.add(
      ['a', 'b', 'c'].map((n) => ({ url: server.url(`/${n}`), paused: true })),
    )
    const [a, b, c] = result.added.map((d) => d.id) as [string, string, string]
    await engine.move(c, 0)
    await engine.resume({ all: true })
    await Promise.all([a, b, c].map((id) => engine.waitFor(id, ['completed'])))
    expect(server.requests().map((r) => r.path)).toEqual(['/c', '/a', '/b'])
  })

  it('holds downloads of a host at its connection cap in place while other hosts start', async () => {
    const engine = await engineFor({ maxConcurrentDownloads: 3, maxConnectionsPerHost: 1 })
    const other = await startFaultServer()
    try {
      server.file('/a1', makeBody(600 * 1024, 1), { rateLimit: 1 * MiB })
      for (const n of ['a2', 'a3']) server.file(`/${n}`, makeBody(1000))
      for (const n of ['b1', 'b2']) other.file(`/${n}`, makeBody(1000))
      const result = await engine.add([
        ...['a1', 'a2', 'a3'].map((n) => ({ url: server.url(`/${n}`) })),
        ...['b1', 'b2'].map((n) => ({ url: other.url(`/${n}`), name: `other-${n}` })),
      ])
      const [a1, a2, a3, b1, b2] = result.added.map((d) => d.id) as string[]
      // The other host's downloads pass the waiting ones while a1 holds its host's only slot.
      await Promise.all([b1, b2].map((id) => engine.waitFor(id!, ['completed'])))
      expect((await engine.snapshot()).downloads.find((d) => d.id === a1)?.state).not.toBe(
        'completed',
      )
      await Promise.all([a1, a2, a3].map((id) => engine.waitFor(id!, ['completed'])))
      expect(server.requests().map((r) => r.path)).toEqual(['/a1', '/a2', '/a3'])
      expect(server.maxConcurrentConnections()).toBe(1)
      expect((await readdir(dirs.downloads)).sort()).toEqual(
        ['a1', 'a2', 'a3', 'other-b1', 'other-b2'].sort(),
      )
    } finally {
      await other.close()
    }
  })

  it('pauses with the partial data kept and resumes from it', async () => {
    const engine = await engineFor()
    const size = 3 * MiB
    const body = makeBody(size, 31)
    // The response covering the last byte stalls just before it: the download cannot finish
    // before the pause, however fast its connections (was a fixed 700 ms, which several
    // connections could outrun).
    server.file('/slow.bin', body, {
      rateLimit: 2 * MiB,
      fault: ({ range }) =>
        range?.end !== undefined && range.end < size - 1
          ? undefined
          : { kind: 'stall', afterBytes: size - 1 - Math.max(0, range?.start ?? 0) },
    })
    const id = await addOne(engine, { url: server.url('/slow.bin') })
    for (let i = 0; i < 400; i++) {
      const d = (await engine.snapshot()).downloads[0]
      if ((d?.done ?? 0) >= 512 * 1024) break
      await new Promise((r) => setTimeout(r, 25))
    }
    await engine.pause({ ids: [id] })
    server.file('/slow.bin', body, { rateLimit: 2 * MiB })
    const paused = (await engine.snapshot()).downloads[0]!
    expect(paused.state).toBe('paused')
    expect(paused.done).toBeGreaterThan(0)
    expect((await stat(join(dirs.downloads, 'slow.bin.part'))).size).toBeGreaterThanOrEqual(
      paused.done,
    )
    // The control file lists exactly the bytes received (possibly several segments).
    const control = JSON.parse(
      await readFile(join(dirs.downloads, 'slow.bin.part.downpour'), 'utf8'),
    )
    expect(totalBytes(control.durable)).toBe(paused.done)
    const requestsBefore = server.requests('/slow.bin').length
    await engine.resume({ ids: [id] })
    expect((await engine.waitFor(id, ['completed', 'failed'])).state).toBe('completed')
    expect(await sha256File(join(dirs.downloads, 'slow.bin'))).toBe(sha256(body))
    const resumed = server.requests('/slow.bin').slice(requestsBefore)
    expect(resumed[0]?.range?.start).toBe(
      control.durable[0].start === 0 ? control.durable[0].end : 0,
    )
    expect(resumed[0]?.headers['if-range']).toBeTruthy()
  })

  it('pauses at once while waiting an hour to retry (Retry-After: 3600)', async () => {
    const engine = await engineFor()
    server.file('/later.bin', makeBody(100), {
      fault: () => ({ kind: 'status', status: 503, headers: { 'retry-after': '3600' } }),
    })
    const id = await addOne(engine, { url: server.url('/later.bin') })
    const waiting = await engine.waitFor(id, ['retrying'])
    expect(waiting.nextRetryAt! - Date.now()).toBeGreaterThan(3_500_000)
    const started = Date.now()
    await engine.pause({ ids: [id] })
    // Waiting for the retry would take an hour; a loaded machine may take a few seconds.
    expect(Date.now() - started).toBeLessThan(10_000)
    expect((await engine.snapshot()).downloads[0]).toMatchObject({
      state: 'paused',
      nextRetryAt: null,
    })
  })

  it('remove with deleteFiles deletes partial data but never a completed file', async () => {
    const engine = await engineFor()
    server.file('/keep.bin', makeBody(100))
    server.file('/drop.bin', makeBody(3 * MiB), { rateLimit: MiB })
    const keep = await addOne(engine, { url: server.url('/keep.bin') })
    await engine.waitFor(keep, ['completed'])
    const drop = await addOne(engine, { url: server.url('/drop.bin') })
    await new Promise((r) => setTimeout(r, 400))
    await engine.remove({ all: true }, { deleteFiles: true })
    expect(await readdir(dirs.downloads)).toEqual(['keep.bin'])
    expect((await engine.snapshot()).downloads).toEqual([])
    expect(drop).toBeTruthy()
  })
})

describe('persistence', () => {
  it('continues an interrupted download after an engine restart, from its durable bytes', async () => {
    const body = makeBody(4 * MiB, 41)
    server.file('/persist.bin', body, { rateLimit: 2 * MiB })
    const first = await engineFor()
    const id = await addOne(first, { url: server.url('/persist.bin') })
    await new Promise((r) => setTimeout(r, 1300))
    await first.close()
    const saved = await Promise.all(
      (await readdir(dirs.state))
        .filter((f) => f.startsWith('queue'))
        .map((f) => readFile(join(dirs.state, f), 'utf8')),
    )
    // The compact record form: [id, url, dir, name, state, createdAt, {fields not default}].
    expect(saved.join('\n')).toContain(`["${id}",`)
    expect(saved.join('\n')).toMatch(/,"persist\.bin","[a-z]+",\d+,\{"nameChosen":true/)

    const second = await engineFor()
    const done = await second.waitFor(id, ['completed', 'failed'])
    expect(done.state).toBe('completed')
    expect(await sha256File(join(dirs.downloads, 'persist.bin'))).toBe(sha256(body))
    const resumedAt = server.requests('/persist.bin')[1]?.range?.start ?? 0
    expect(resumedAt).toBeGreaterThan(MiB)
  })

  it('keeps paused and finished downloads as they were across a restart', async () => {
    server.file('/done.bin', makeBody(100))
    const first = await engineFor()
    const done = await addOne(first, { url: server.url('/done.bin') })
    await first.waitFor(done, ['completed'])
    const paused = await addOne(first, { url: server.url('/later.bin'), paused: true })
    await first.close()
    const second = await engineFor()
    const states = Object.fromEntries(
      (await second.snapshot()).downloads.map((d) => [d.id, d.state]),
    )
    expect(states).toEqual({ [done]: 'completed', [paused]: 'paused' })
  })

  it('restores saved settings, but settings given at start win', async () => {
    const first = await engineFor()
    await first.updateSettings({ maxConcurrentDownloads: 2, lowestSpeedLimit: 1234 })
    await first.close()
    const restored = await open({ settings: { maxConcurrentDownloads: 7 } })
    const { settings } = await restored.snapshot()
    expect(settings).toMatchObject({ maxConcurrentDownloads: 7, lowestSpeedLimit: 1234 })
  })

  it('sets a corrupt queue file aside, reports it, and starts empty', async () => {
    await mkdir(dirs.state, { recursive: true })
    await writeFile(join(dirs.state, 'queue.json'), '{"version":1,"downloads":[{"id":')
    const engine = await engineFor()
    expect((await engine.snapshot()).downloads).toEqual([])
    const entry = engine.logs.find((l) => l.error?.code === 'DP_ERR_CORRUPT_STATE')
    expect(entry?.message).toMatch(/set aside as .*queue\.json\.corrupt-/)
    const kept = (await readdir(dirs.state)).filter((f) => f.startsWith('queue.json.corrupt-'))
    expect(kept).toHaveLength(1)
    expect(await readFile(join(dirs.state, kept[0]!), 'utf8')).toBe(
      '{"version":1,"downloads":[{"id":',
    )
    // The engine works normally afterwards.
    server.file('/after.bin', makeBody(10))
    const id = await addOne(engine, { url: server.url('/after.bin') })
    expect((await engine.waitFor(id, ['completed'])).state).toBe('completed')
  })

  it('starts over when the control file is truncated garbage', async () => {
    const body = makeBody(2 * MiB, 51)
    server.file('/ctl.bin', body, { rateLimit: MiB })
    const first = await engineFor()
    const id = await addOne(first, { url: server.url('/ctl.bin') })
    await new Promise((r) => setTimeout(r, 1200))
    await first.close()
    await writeFile(join(dirs.downloads, 'ctl.bin.part.downpour'), '{"version":1,"url":')
    server.file('/ctl.bin', body)
    const second = await engineFor()
    const done = await second.waitFor(id, ['completed', 'failed'])
    expect(done.state).toBe('completed')
    expect(await sha256File(join(dirs.downloads, 'ctl.bin'))).toBe(sha256(body))
    expect(second.logs.map((l) => l.message).join('\n')).toMatch(/not valid JSON/)
  })
})
