import { beforeEach, describe, expect, it } from 'vitest'
import { makeBody, startFaultServer, type FaultServer } from '../../test/fault-server.ts'
import { useEngineHarness, type TestEngine } from '../../test/engine-harness.ts'
import type { EngineEvents } from '../shared/protocol/events.ts'
import { defaultSettings } from './engine.ts'
import { Scheduler } from './scheduler/scheduler.ts'

const { dirs, open: openEngine, onTeardown } = useEngineHarness({ server: false, engine: false })
const open = (state: string | null = dirs.state, settings = {}) => openEngine({ state, settings })

/** Paused downloads named a, b, c… (nothing runs: the order is all that changes). */
async function queue(engine: TestEngine, n: number): Promise<Record<string, string>> {
  const names = Array.from({ length: n }, (_, i) => String.fromCharCode(97 + i))
  const { added } = await engine.add(
    names.map((name) => ({ url: `http://127.0.0.1:9/${name}.bin`, paused: true })),
  )
  return Object.fromEntries(added.map((d, i) => [names[i], d.id]))
}

/** The engine's order as names, joined: 'acbed'. */
async function order(engine: TestEngine, ids: Record<string, string>): Promise<string> {
  const byId = new Map(Object.entries(ids).map(([name, id]) => [id, name]))
  return (await engine.snapshot()).downloads.map((d) => byId.get(d.id)).join('')
}

/**
 * Counts the engine's collection work while `body` runs: Map lookups and writes and Set
 * membership tests (a per-id pass over the queue shows up as n of them per id).
 */
async function countWork(body: () => Promise<void>): Promise<number> {
  const get = Map.prototype.get
  const set = Map.prototype.set
  const has = Set.prototype.has
  let calls = 0
  Map.prototype.get = function (this: Map<unknown, unknown>, key: unknown) {
    calls++
    return get.call(this, key)
  }
  Map.prototype.set = function (this: Map<unknown, unknown>, key: unknown, value: unknown) {
    calls++
    return set.call(this, key, value)
  }
  Set.prototype.has = function (this: Set<unknown>, value: unknown) {
    calls++
    return has.call(this, value)
  }
  try {
    await body()
  } finally {
    Map.prototype.get = get
    Map.prototype.set = set
    Set.prototype.has = has
  }
  return calls
}

describe('moveMany: a block of downloads in one pass', () => {
  it('puts the block before or after a download, or at a position, keeping its queue order', async () => {
    const engine = await open()
    const ids = await queue(engine, 8)
    const events: EngineEvents['download/moved'][] = []
    engine.on('download/moved', (e) => events.push(e))
    const { revision } = await engine.snapshot()
    // The order of the ids does not matter: the block keeps its queue order.
    expect(await engine.moveMany([ids.g!, ids.b!, ids.e!], { after: ids.c! })).toEqual({
      ids: [ids.b, ids.e, ids.g],
      position: 2,
    })
    expect(await order(engine, ids)).toBe('acbegdfh')
    // One event, naming only what moved and where.
    expect(events).toEqual([{ revision: revision + 1, ids: [ids.b, ids.e, ids.g], position: 2 }])
    expect((await engine.snapshot()).revision).toBe(revision + 1)

    await engine.moveMany([ids.h!, ids.a!], { before: ids.b! })
    expect(await order(engine, ids)).toBe('cahbegdf')
    await engine.moveMany([ids.f!, ids.d!], { position: 0 })
    expect(await order(engine, ids)).toBe('dfcahbeg')
    // Past the end means last.
    expect(await engine.moveMany([ids.d!, ids.c!], { position: 99 })).toEqual({
      ids: [ids.d, ids.c],
      position: 6,
    })
    expect(await order(engine, ids)).toBe('fahbegdc')
    expect(events).toHaveLength(4)
  })

  it('a block already in place changes nothing: no event, no revision', async () => {
    const engine = await open()
    const ids = await queue(engine, 5)
    const events: unknown[] = []
    engine.on('download/moved', (e) => events.push(e))
    const { revision } = await engine.snapshot()
    expect(await engine.moveMany([ids.c!, ids.b!], { after: ids.a! })).toEqual({
      ids: [ids.b, ids.c],
      position: 1,
    })
    await engine.moveMany([ids.b!, ids.c!], { before: ids.d! })
    await engine.moveMany([ids.b!, ids.c!], { position: 1 })
    await engine.moveMany([ids.e!], { position: 4 })
    expect(events).toEqual([])
    expect((await engine.snapshot()).revision).toBe(revision)
    expect(await order(engine, ids)).toBe('abcde')
  })

  it('refuses unknown ids or target, a target inside the block, duplicates, an empty list and a bad position, naming what was wrong and moving nothing', async () => {
    const engine = await open()
    const ids = await queue(engine, 5)
    const events: unknown[] = []
    engine.on('download/moved', (e) => events.push(e))
    const { revision } = await engine.snapshot()
    await expect(
      engine.moveMany([ids.a!, 'nope-1', 'nope-2'], { position: 0 }),
    ).rejects.toMatchObject({
      code: 'DP_ERR_NOT_FOUND',
      message: 'no download with id nope-1, nope-2',
    })
    await expect(
      engine.moveMany(['n1', 'n2', 'n3', 'n4', 'n5'], { position: 0 }),
    ).rejects.toMatchObject({ message: 'no download with id n1, n2, n3 and 2 more' })
    await expect(engine.moveMany([ids.a!], { after: 'gone' })).rejects.toMatchObject({
      code: 'DP_ERR_NOT_FOUND',
      message: 'no download with id gone (the target)',
    })
    await expect(engine.moveMany([ids.a!, ids.b!], { before: ids.b! })).rejects.toMatchObject({
      code: 'DP_ERR_INVALID_ARGUMENT',
      message: `cannot move downloads next to ${ids.b}: it is one of the downloads being moved`,
    })
    await expect(engine.moveMany([ids.a!, ids.a!], { position: 3 })).rejects.toMatchObject({
      code: 'DP_ERR_INVALID_ARGUMENT',
      message: `the id ${ids.a} is listed twice`,
    })
    await expect(engine.moveMany([], { position: 3 })).rejects.toMatchObject({
      code: 'DP_ERR_INVALID_ARGUMENT',
      message: 'nothing to move: the list of ids is empty',
    })
    await expect(engine.moveMany([ids.a!], { position: -1 })).rejects.toMatchObject({
      code: 'DP_ERR_INVALID_ARGUMENT',
      message: 'position must be a whole number >= 0, not -1',
    })
    expect(events).toEqual([])
    expect((await engine.snapshot()).revision).toBe(revision)
    expect(await order(engine, ids)).toBe('abcde')
  })

  it('costs work linear in the queue, one call whatever the block size (a move per download was quadratic)', async () => {
    async function work(n: number): Promise<{ block: number; perId: number }> {
      const engine = await open(null)
      const { added } = await engine.add(
        Array.from({ length: n }, (_, i) => ({ url: `http://127.0.0.1:9/${i}`, paused: true })),
      )
      const ids = added.map((d) => d.id)
      // A quarter of the queue, scattered: every fourth download.
      const picked = ids.filter((_, i) => i % 4 === 3)
      const block = await countWork(async () => {
        await engine.moveMany(picked, { after: ids[0]! })
      })
      // The old way: one move per picked download.
      const perId = await countWork(async () => {
        for (const [i, id] of picked.entries()) await engine.move(id, n - picked.length + i)
      })
      await engine.close()
      return { block, perId }
    }
    const small = await work(2000)
    const large = await work(4000)
    // Linear: twice the queue, about twice the work (quadratic would be four times).
    expect(large.block / small.block).toBeLessThan(2.6)
    // A few operations per download in the queue, not one pass per moved download.
    expect(large.block).toBeLessThan(4000 * 12)
    // What one call per download costs, for scale: a pass over the queue per moved download.
    expect(large.perId).toBeGreaterThan(large.block * 50)
  }, 60_000)

  it('persists the new order as one journal line of the moved ids, and it survives a restart', async () => {
    const n = 2000
    const openScheduler = async () => {
      const scheduler = new Scheduler({
        stateDir: dirs.state,
        settings: defaultSettings({ defaultDir: dirs.downloads }),
        overrides: {},
        heartbeatMs: 50,
        transferThreads: 0,
      })
      await scheduler.open(dirs.state)
      return scheduler
    }
    const first = await openScheduler()
    const { added } = await first.add(
      Array.from({ length: n }, (_, i) => ({ url: `http://127.0.0.1:9/${i}`, paused: true })),
    )
    await first.close()
    const ids = added.map((d) => d.id)
    const picked = ids.filter((_, i) => i % 4 === 3)
    const again = await openScheduler()
    const moved = await again.moveMany(picked, { before: ids[10]! })
    // Removed afterwards: the journal replays the move on an order without it, as it was made.
    await again.remove({ ids: [ids[0]!] })
    const expected = (await again.snapshot()).downloads.map((d) => d.id)
    await again.close()
    expect(moved.position).toBe(8) // ids[0..9] less ids[3] and ids[7]
    // One line: ~40 bytes a moved id plus the line's own, never a record or the whole order.
    const journal = again.persistence!.journal
    expect(journal).toBeLessThan(picked.length * 40 + 200)
    expect(journal).toBeGreaterThan(picked.length * 36)
    const third = await openScheduler()
    expect((await third.snapshot()).downloads.map((d) => d.id)).toEqual(expected)
    await third.close()
  })
})

describe('moveMany and the pump', () => {
  let server: FaultServer
  beforeEach(async () => {
    server = await startFaultServer()
    // Closed after the engines that download from it.
    onTeardown(() => server.close())
  })

  it('queued downloads start in the new order', async () => {
    server.file('/hold', makeBody(4 * 1024 * 1024, 7), { rateLimit: 64 * 1024 })
    const engine = await open(dirs.state, { maxConcurrentDownloads: 1 })
    const { added } = await engine.add(
      Array.from({ length: 6 }, (_, i) => ({ url: server.url(`/hold?i=${i}`) })),
    )
    const [a, b, , , e, f] = added.map((d) => d.id) as [
      string,
      string,
      string,
      string,
      string,
      string,
    ]
    await engine.waitFor(a, ['probing', 'downloading'])
    // f and e go to the front of the waiting ones: the next to start is e (queue order).
    await engine.moveMany([f, e], { before: b })
    await engine.pause({ ids: [a] })
    await engine.waitFor(e, ['probing', 'downloading'])
    const states = Object.fromEntries(
      (await engine.snapshot()).downloads.map((d) => [d.id, d.state]),
    )
    expect([states[b], states[f]]).toEqual(['queued', 'queued'])
    await engine.pause({ ids: [e] })
    await engine.waitFor(f, ['probing', 'downloading'])
    await engine.pause({ all: true })
  })
})
