import { describe, expect, it } from 'vitest'
import { makeBody } from '../../test/fault-server.ts'
import { addOne, sha256, sha256File, useEngineHarness } from '../../test/engine-harness.ts'
import { join } from 'node:path'
import type { EngineEvents } from '../shared/protocol/events.ts'

const { server, dirs, open } = useEngineHarness({ engine: false })

const MiB = 1024 * 1024

/** A file that answers 404 to its first GET and is there from then on (a link fixed later). */
function missingOnce(path: string, body: Buffer): void {
  server.file(path, body, {
    fault: ({ attempt }) => (attempt === 1 ? { kind: 'status', status: 404 } : undefined),
  })
}

describe('retry', () => {
  it('puts a retried download ahead of those already waiting, and it starts first', async () => {
    const engine = await open({ settings: { maxConcurrentDownloads: 1 } })
    const bodies = { c: makeBody(20_000, 1), b: makeBody(20_000, 2) }
    missingOnce('/c', bodies.c)
    server.file('/b', bodies.b)
    // Holds the only slot while the queue is arranged; removed to free it.
    server.file('/hold', makeBody(8 * MiB, 3), { rateLimit: 128 * 1024 })
    const c = await addOne(engine, { url: server.url('/c') })
    await engine.waitFor(c, ['failed'])
    const hold = await addOne(engine, { url: server.url('/hold') })
    await engine.waitFor(hold, ['downloading'])
    const b = await addOne(engine, { url: server.url('/b') })
    // b waits ahead of the failed c (as after a move, or a resume of something paused earlier).
    await engine.moveMany([b], { position: 0 })
    expect((await engine.snapshot()).downloads.map((d) => d.id)).toEqual([b, c, hold])

    const events: { name: string; ids: string[] }[] = []
    engine.on('download/changed', (e) =>
      events.push({ name: 'changed', ids: e.changes.map((x) => x.download.id) }),
    )
    engine.on('download/moved', (e) => events.push({ name: 'moved', ids: e.ids }))
    expect(await engine.retry({ ids: [c] })).toEqual({ affected: [c] })
    expect(events).toEqual([
      { name: 'moved', ids: [c] },
      { name: 'changed', ids: [c] },
    ])
    expect((await engine.snapshot()).downloads.map((d) => d.id)).toEqual([c, b, hold])

    await engine.remove({ ids: [hold] }, { deleteFiles: true })
    await Promise.all([b, c].map((id) => engine.waitFor(id, ['completed'])))
    const gets = server
      .requests()
      .filter((r) => r.method === 'GET' && r.path !== '/hold')
      .map((r) => r.path)
    expect(gets).toEqual(['/c', '/c', '/b'])
    expect(await sha256File(join(dirs.downloads, 'c'))).toBe(sha256(bodies.c))
    expect(await sha256File(join(dirs.downloads, 'b'))).toBe(sha256(bodies.b))
  })

  it('retries N failed downloads in one call and one download/changed, leaving those already ahead in place', async () => {
    const engine = await open({ settings: { maxConcurrentDownloads: 1 } })
    const names = ['f1', 'f2', 'f3']
    for (const name of names) missingOnce(`/${name}`, makeBody(1000, name.length))
    const failed: string[] = []
    for (const name of names) {
      const id = await addOne(engine, { url: server.url(`/${name}`) })
      await engine.waitFor(id, ['failed'])
      failed.push(id)
    }
    const changed: EngineEvents['download/changed'][] = []
    let moved = 0
    engine.on('download/changed', (e) => changed.push(e))
    engine.on('download/moved', () => moved++)
    // Nothing waits: no download is ahead of them, so none moves.
    expect(await engine.retry({ all: true })).toEqual({ affected: failed })
    expect(moved).toBe(0)
    expect(changed[0]!.changes.map((x) => [x.download.id, x.download.state])).toEqual(
      failed.map((id) => [id, expect.stringMatching(/queued|probing|downloading/)]),
    )
    await Promise.all(failed.map((id) => engine.waitFor(id, ['completed'])))
  })
})

describe('start now', () => {
  it('starts a queued download past "Downloads at once"; it keeps its place, and nothing else starts', async () => {
    const engine = await open({ settings: { maxConcurrentDownloads: 1 } })
    server.file('/hold', makeBody(8 * MiB, 3), { rateLimit: 128 * 1024 })
    const now = makeBody(50_000, 4)
    server.file('/now', now)
    server.file('/later', makeBody(1000, 5))
    const hold = await addOne(engine, { url: server.url('/hold') })
    await engine.waitFor(hold, ['downloading'])
    const later = await addOne(engine, { url: server.url('/later') })
    const id = await addOne(engine, { url: server.url('/now') })
    expect(await engine.startNow({ ids: [id, hold] })).toEqual({ affected: [id] })
    await engine.waitFor(id, ['completed'])
    expect(await sha256File(join(dirs.downloads, 'now'))).toBe(sha256(now))
    const snapshot = await engine.snapshot()
    expect(snapshot.downloads.map((d) => [d.id, d.state])).toEqual([
      [hold, 'downloading'],
      [later, 'queued'],
      [id, 'completed'],
    ])
    expect(server.requests('/later')).toEqual([])
  })

  it('starts a paused download at once, and a lower limit then sends nothing else running', async () => {
    const engine = await open({ settings: { maxConcurrentDownloads: 1 } })
    server.file('/hold', makeBody(8 * MiB, 3), { rateLimit: 128 * 1024 })
    server.file('/slow', makeBody(8 * MiB, 6), { rateLimit: 128 * 1024 })
    server.file('/next', makeBody(1000, 7))
    const hold = await addOne(engine, { url: server.url('/hold') })
    await engine.waitFor(hold, ['downloading'])
    const slow = await addOne(engine, { url: server.url('/slow'), paused: true })
    const next = await addOne(engine, { url: server.url('/next') })
    expect(await engine.startNow({ ids: [slow] })).toEqual({ affected: [slow] })
    await engine.waitFor(slow, ['downloading'])
    // Two run with a limit of one: when hold leaves, still one too many, so next keeps waiting.
    await engine.remove({ ids: [hold] })
    const states = new Map((await engine.snapshot()).downloads.map((d) => [d.id, d.state]))
    expect(states.get(next)).toBe('queued')
    await engine.remove({ ids: [slow] })
    await engine.waitFor(next, ['completed'])
  })
})
