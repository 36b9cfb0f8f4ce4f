import { MessageChannel } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import { useEngineHarness } from '../../test/engine-harness.ts'
import { createEngineClient, serveEngine } from '../shared/protocol/rpc.ts'
import type { EngineEvents } from '../shared/protocol/events.ts'
import { applyBlockMove, type MovedBlock } from '../shared/protocol/block-move.ts'
import { portOf } from '../../test/message-port.ts'

const { engine, open } = useEngineHarness({ server: false })

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

/** The engine's queue order as names. */
async function orderNow(ids: Record<string, string>): Promise<string[]> {
  return named(
    (await engine.snapshot()).downloads.map((d) => d.id),
    ids,
  )
}

/** What the UI does on Alt+Up / Alt+Down: the row's index ± 1, from the order it knows. */
function keyboard(order: string[], id: string, delta: -1 | 1): number | null {
  const target = order.indexOf(id) + delta
  return target < 0 || target >= order.length ? null : target
}

describe('move for keyboard reordering (Alt+Up / Alt+Down)', () => {
  it('moves one place down and back up', async () => {
    const ids = await queue()
    // The answer says where the download now stands, not the whole queue.
    expect(await engine.move(ids.b!, 2)).toEqual({ ids: [ids.b], position: 2 })
    expect(await orderNow(ids)).toEqual(['a', 'c', 'b', 'd', 'e'])
    expect(await engine.move(ids.b!, 1)).toEqual({ ids: [ids.b], position: 1 })
    expect(await orderNow(ids)).toEqual(['a', 'b', 'c', 'd', 'e'])
  })

  it('at the bounds: past the end lands last, a negative position is refused, and a move that changes nothing sends no event', async () => {
    const ids = await queue()
    const moved: EngineEvents['download/moved'][] = []
    engine.on('download/moved', (e) => moved.push(e))
    expect(await engine.move(ids.a!, 99)).toEqual({ ids: [ids.a], position: 4 })
    expect(await orderNow(ids)).toEqual(['b', 'c', 'd', 'e', 'a'])
    expect(moved).toHaveLength(1)
    // Alt+Down on the last row and Alt+Up on the first change nothing: no event, no revision.
    const { revision } = await engine.snapshot()
    expect(await engine.move(ids.a!, 4)).toEqual({ ids: [ids.a], position: 4 })
    expect(await engine.move(ids.b!, 0)).toEqual({ ids: [ids.b], position: 0 })
    expect(await orderNow(ids)).toEqual(['b', 'c', 'd', 'e', 'a'])
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

  it('a held-down key over RPC: a stream of moves sent without waiting applies in order, with one event each (what moved, applied by the client) and no gap in revisions', async () => {
    const ids = await queue()
    const channel = new MessageChannel()
    const stop = serveEngine(portOf(channel.port1), engine)
    const client = createEngineClient(portOf(channel.port2))
    try {
      const events: EngineEvents['download/moved'][] = []
      client.on('download/moved', (e) => events.push(e))
      const { revision } = await client.snapshot()
      // The UI moves its own copy at once and sends each step (optimistic), never waiting.
      const initial = (await client.snapshot()).downloads.map((d) => d.id)
      let local = initial
      const sent: Promise<MovedBlock>[] = []
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
      // Four steps down to the end, then two up: each reply says where `a` went; applied in
      // turn to the order the client had, they give each step's order.
      let replayed = initial
      const steps = replies.map((r) => {
        replayed = applyBlockMove(replayed, r)
        return named(replayed, ids).join('')
      })
      expect(steps).toEqual(['bacde', 'bcade', 'bcdae', 'bcdea', 'bcdae', 'bcade'])
      await new Promise((r) => setTimeout(r, 30))
      expect(events.map((e) => e.revision)).toEqual([1, 2, 3, 4, 5, 6].map((n) => revision + n))
      // The events carry the same as the replies: only the moved id and its place.
      expect(events.map(({ ids, position }) => ({ ids, position }))).toEqual(replies)
      expect(events.every((e) => Object.keys(e).sort().join() === 'ids,position,revision')).toBe(
        true,
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
    await open()
    const order = (await engine.snapshot()).downloads.map((d) => d.id)
    expect(named(order, ids)).toEqual(['e', 'c', 'a', 'b', 'd'])
  })
})
