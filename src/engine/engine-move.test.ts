import { MessageChannel, type MessagePort } from 'node:worker_threads'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { makeDirs, startEngine, type TestEngine } from '../../test/engine-harness.ts'
import { createEngineClient, serveEngine, type Port } from '../shared/protocol/rpc.ts'
import type { EngineEvents } from '../shared/protocol/events.ts'

let dirs: Awaited<ReturnType<typeof makeDirs>>
let engine: TestEngine

beforeEach(async () => {
  dirs = await makeDirs()
  engine = await startEngine({ downloads: dirs.downloads, state: dirs.state })
})

afterEach(async () => {
  await engine.close()
  await dirs.cleanup()
})

/** Five paused downloads a…e (nothing runs: the order is all that changes). */
async function queue(): Promise<Record<string, string>> {
  const names = ['a', 'b', 'c', 'd', 'e']
  const { added } = await engine.add(
    names.map((n) => ({ url: `http://127.0.0.1:9/${n}.bin`, paused: true })),
  )
  return Object.fromEntries(added.map((d, i) => [names[i], d.id]))
}

/** The order as names, for readable expectations. */
function named(order: string[], ids: Record<string, string>): string[] {
  const byId = Object.fromEntries(Object.entries(ids).map(([n, id]) => [id, n]))
  return order.map((id) => byId[id]!)
}

/** What the UI does on Alt+Up / Alt+Down: the row's index ± 1, from the order it knows. */
function keyboard(order: string[], id: string, delta: -1 | 1): number | null {
  const target = order.indexOf(id) + delta
  return target < 0 || target >= order.length ? null : target
}

describe('move for keyboard reordering (Alt+Up / Alt+Down)', () => {
  it('moves one place down and back up', async () => {
    const ids = await queue()
    const down = await engine.move(ids.b!, 2)
    expect(named(down.order, ids)).toEqual(['a', 'c', 'b', 'd', 'e'])
    const up = await engine.move(ids.b!, 1)
    expect(named(up.order, ids)).toEqual(['a', 'b', 'c', 'd', 'e'])
  })

  it('at the bounds: past the end lands last, a negative position is refused, and a move that changes nothing sends no event', async () => {
    const ids = await queue()
    const moved: EngineEvents['download/moved'][] = []
    engine.on('download/moved', (e) => moved.push(e))
    expect(named((await engine.move(ids.a!, 99)).order, ids)).toEqual(['b', 'c', 'd', 'e', 'a'])
    expect(moved).toHaveLength(1)
    // Alt+Down on the last row and Alt+Up on the first change nothing: no event, no revision.
    const { revision } = await engine.snapshot()
    expect(named((await engine.move(ids.a!, 4)).order, ids)).toEqual(['b', 'c', 'd', 'e', 'a'])
    expect(named((await engine.move(ids.b!, 0)).order, ids)).toEqual(['b', 'c', 'd', 'e', 'a'])
    expect(moved).toHaveLength(1)
    expect((await engine.snapshot()).revision).toBe(revision)
    await expect(engine.move(ids.b!, -1)).rejects.toMatchObject({
      code: 'DP_ERR_INVALID_ARGUMENT',
    })
    await expect(engine.move(ids.b!, 1.5)).rejects.toMatchObject({
      code: 'DP_ERR_INVALID_ARGUMENT',
    })
    await expect(engine.move('nope', 0)).rejects.toMatchObject({ code: 'DP_ERR_NOT_FOUND' })
  })

  it('a held-down key over RPC: a stream of moves sent without waiting applies in order, with one event each and no gap in revisions', async () => {
    const ids = await queue()
    const channel = new MessageChannel()
    const stop = serveEngine(adapt(channel.port1), engine)
    const client = createEngineClient(adapt(channel.port2))
    try {
      const events: EngineEvents['download/moved'][] = []
      client.on('download/moved', (e) => events.push(e))
      const { revision } = await client.snapshot()
      // The UI moves its own copy at once and sends each step (optimistic), never waiting.
      let local = (await client.snapshot()).downloads.map((d) => d.id)
      const sent: Promise<{ order: string[] }>[] = []
      for (let i = 0; i < 6; i++) {
        const target = keyboard(local, ids.a!, 1)
        if (target === null) break
        local = local.filter((id) => id !== ids.a).toSpliced(target, 0, ids.a!)
        sent.push(client.move(ids.a!, target))
      }
      for (let i = 0; i < 2; i++) {
        const target = keyboard(local, ids.a!, -1)!
        local = local.filter((id) => id !== ids.a).toSpliced(target, 0, ids.a!)
        sent.push(client.move(ids.a!, target))
      }
      const replies = await Promise.all(sent)
      // Four steps down to the end, then two up: each reply is that step's order.
      expect(replies.map((r) => named(r.order, ids).join(''))).toEqual([
        'bacde',
        'bcade',
        'bcdae',
        'bcdea',
        'bcdae',
        'bcade',
      ])
      await new Promise((r) => setTimeout(r, 30))
      expect(events.map((e) => e.revision)).toEqual([1, 2, 3, 4, 5, 6].map((n) => revision + n))
      expect(events.map((e) => named(e.order, ids).join(''))).toEqual(
        replies.map((r) => named(r.order, ids).join('')),
      )
      expect((await client.snapshot()).downloads.map((d) => d.id)).toEqual(local)
      await expect(client.move(ids.a!, -1)).rejects.toMatchObject({
        code: 'DP_ERR_INVALID_ARGUMENT',
      })
    } finally {
      stop()
      client.dispose()
      channel.port1.close()
      channel.port2.close()
    }
  })

  it('the new order survives a restart', async () => {
    const ids = await queue()
    await engine.move(ids.e!, 0)
    await engine.move(ids.c!, 1)
    await engine.close()
    engine = await startEngine({ downloads: dirs.downloads, state: dirs.state })
    const order = (await engine.snapshot()).downloads.map((d) => d.id)
    expect(named(order, ids)).toEqual(['e', 'c', 'a', 'b', 'd'])
  })
})

function adapt(port: MessagePort): Port {
  return {
    postMessage: (m) => port.postMessage(m),
    onMessage(listener) {
      const handler = (m: unknown) => listener(m)
      port.on('message', handler)
      return () => port.off('message', handler)
    },
  }
}
