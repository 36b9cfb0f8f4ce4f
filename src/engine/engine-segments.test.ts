import { describe, expect, it } from 'vitest'
import { makeBody } from '../../test/fault-server.ts'
import { addOne, useEngineHarness } from '../../test/engine-harness.ts'
import type { EngineEvents } from '../shared/protocol/events.ts'
import type { SegmentMap } from '../shared/protocol/details.ts'

const { server, engine } = useEngineHarness()

const MiB = 1024 * 1024
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await sleep(20)
  }
}

/** Every map must tile sensibly: sorted disjoint finished ranges, connections inside the file. */
function expectConsistent(map: SegmentMap, size: number): void {
  let cursor = -1
  for (const [start, end] of map.finished) {
    expect(start).toBeGreaterThan(cursor)
    expect(end).toBeGreaterThan(start)
    expect(end).toBeLessThanOrEqual(size)
    cursor = end
  }
  for (const c of map.connections) {
    expect(c.start).toBeLessThanOrEqual(c.pos)
    expect(c.pos).toBeLessThanOrEqual(c.end)
    expect(c.end).toBeLessThanOrEqual(size)
    // What a connection still has to fetch is not counted as finished (one at its end, done
    // but not yet gone, has nothing left: an empty range overlaps nothing).
    for (const [start, end] of map.finished)
      expect(c.pos >= c.end || c.pos >= end || c.end <= start).toBe(true)
  }
}

describe('segment maps on demand', () => {
  it('sends nothing while nobody watches, then each connection and the finished parts on the heartbeat, and stops on unwatch', async () => {
    // 4 connections × 512 KiB/s: 8 s for 16 MiB, longer than the test on a loaded machine.
    const size = 16 * MiB
    await engine.updateSettings({ minSplitSize: '256K' })
    server.file('/map.bin', makeBody(size, 91), { rateLimit: 512 * 1024 })
    const beats: EngineEvents['segments/beat'][] = []
    engine.on('segments/beat', (beat) => beats.push(beat))
    const id = await addOne(engine, { url: server.url('/map.bin'), maxConnections: 4 })
    await sleep(900)
    expect(beats).toEqual([])

    const first = await engine.watchSegments(id)
    expect(first).toMatchObject({ id, size })
    // Slow start adds connections within a few beats.
    await until(() => beats.some((b) => b.items.some((m) => m.connections.length > 1)))
    const seen = beats.length
    await until(() => beats.length >= seen + 3)
    const maps = beats.flatMap((b) => b.items)
    expect(maps.every((m) => m.id === id)).toBe(true)
    for (const map of maps) expectConsistent(map, size)
    // Several connections, each with its own range; the finished bytes grow.
    expect(Math.max(...maps.map((m) => m.connections.length))).toBeGreaterThan(1)
    const received = (m: SegmentMap) => m.finished.reduce((sum, [s, e]) => sum + e - s, 0)
    expect(received(maps.at(-1)!)).toBeGreaterThan(received(maps[0]!))

    await engine.unwatchSegments(id)
    const count = beats.length
    await sleep(500)
    expect(beats.length).toBe(count)
    expect((await engine.snapshot()).downloads[0]?.state).toMatch(/probing|downloading/)
    await engine.pause({ ids: [id] })
  }, 20_000)

  it('a paused download answers with its durable parts from the control file, a completed one with all of it', async () => {
    const size = 3 * MiB
    server.file('/rest.bin', makeBody(size, 92), { rateLimit: MiB })
    const id = await addOne(engine, { url: server.url('/rest.bin') })
    await sleep(1200)
    await engine.pause({ ids: [id] })
    const paused = (await engine.snapshot()).downloads[0]!
    const map = await engine.watchSegments(id)
    expect(map.connections).toEqual([])
    expect(map.finished.reduce((sum, [s, e]) => sum + e - s, 0)).toBe(paused.done)
    expectConsistent(map, size)

    server.file('/small.bin', makeBody(1000, 93))
    const small = await addOne(engine, { url: server.url('/small.bin') })
    await engine.waitFor(small, ['completed'])
    expect(await engine.watchSegments(small)).toEqual({
      id: small,
      size: 1000,
      finished: [[0, 1000]],
      connections: [],
    })
    await expect(engine.watchSegments('nope')).rejects.toMatchObject({ code: 'DP_ERR_NOT_FOUND' })
  })

  it("a download's connection count on the progress beat is the number of connections in its map, beat by beat", async () => {
    // 32 connections allowed, but a 16 MiB file splits into at most 16 ranges of >= 1 MiB: slow
    // start opens connection loops on one look at the work, more than there are ranges, and the
    // extra ones wait idle. They hold no range and move no data, so neither figure counts them
    // (the row said 32, the panel 16).
    const size = 16 * MiB
    await engine.updateSettings({ minSplitSize: '1M' })
    server.file('/count.bin', makeBody(size, 94), { rateLimit: 256 * 1024 })
    const counts = new Map<number, number>()
    const pairs: { seq: number; row: number; map: number }[] = []
    const id = await addOne(engine, { url: server.url('/count.bin'), maxConnections: 32 })
    engine.on('progress/beat', (beat) => {
      const item = beat.items.find((i) => i.id === id)
      if (item) counts.set(beat.seq, item.connections)
    })
    engine.on('segments/beat', (beat) => {
      const map = beat.items.find((m) => m.id === id)
      const row = counts.get(beat.seq)
      if (map && row !== undefined) pairs.push({ seq: beat.seq, row, map: map.connections.length })
    })
    await engine.watchSegments(id)
    await until(() => pairs.some((p) => p.map > 1))
    await until(() => pairs.length >= 60)
    await engine.pause({ ids: [id] })
    expect(pairs.filter((p) => p.row !== p.map)).toEqual([])
  }, 20_000)
})
