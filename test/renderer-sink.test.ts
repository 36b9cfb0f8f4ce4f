import { MessageChannel } from 'node:worker_threads'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { resetAppStore, useAppStore } from '../src/renderer/src/store/app-store.ts'
import {
  APPLY_ROWS,
  bindClient,
  FIRST_ROWS,
  PART_ROWS,
  PARTS_IN_FLIGHT,
} from '../src/renderer/src/store/engine-sink.ts'
import { createEngineClient, serveEngine, type Port } from '../src/shared/protocol/rpc.ts'
import { makeDirs, startEngine, type TestEngine } from './engine-harness.ts'

// The window's store fed by a real engine over a real MessageChannel (the protocol as the
// desktop and browser shells carry it): the snapshot read in parts, events kept meanwhile, and
// the revision gaps a slow client's server makes by dropping state events.
let dirs: Awaited<ReturnType<typeof makeDirs>>
let engine: TestEngine
const channels: MessageChannel[] = []
let unbind: (() => void) | undefined

beforeEach(async () => {
  resetAppStore()
  dirs = await makeDirs()
  engine = await startEngine({ downloads: dirs.downloads, state: null })
})

afterEach(async () => {
  unbind?.()
  for (const channel of channels.splice(0)) {
    channel.port1.close()
    channel.port2.close()
  }
  await engine.close()
  await dirs.cleanup()
})

type Hooks = {
  /** Drop this state event on the serving side (as a slow client's server does). */
  drop?: () => boolean
  /** Runs when the client calls `method`, before the call goes out. */
  onCall?: (method: string) => Promise<void> | void
}

/** A client connected to the test engine; `calls` lists the methods it called. */
function connect(hooks: Hooks = {}) {
  const channel = new MessageChannel()
  channels.push(channel)
  const calls: string[] = []
  /** Per reply received: how many calls had been made by then. */
  const replies: number[] = []
  // Calls held by a hook keep their order, as a real port does (later ones wait behind).
  let queue: Promise<void> = Promise.resolve()
  const nodePort = (port: MessageChannel['port1'], side: 'server' | 'client'): Port => ({
    postMessage: (message) => {
      const m = message as { kind?: string; name?: string; method?: string }
      if (side === 'server' && m.kind === 'event' && m.name !== 'progress/beat' && hooks.drop?.())
        return
      if (side === 'client' && m.kind === 'call') {
        calls.push(m.method!)
        queue = queue.then(() => hooks.onCall?.(m.method!)).then(() => port.postMessage(message))
        return
      }
      port.postMessage(message)
    },
    onMessage(listener) {
      const handler = (data: unknown) => {
        if (side === 'client' && (data as { kind?: string }).kind === 'reply')
          replies.push(calls.length)
        listener(data)
      }
      port.on('message', handler)
      return () => port.off('message', handler)
    },
  })
  serveEngine(nodePort(channel.port1, 'server'), engine)
  return { client: createEngineClient(nodePort(channel.port2, 'client')), calls, replies }
}

async function addPaused(n: number, from = 0): Promise<string[]> {
  const requests = Array.from({ length: n }, (_, i) => ({
    url: `http://127.0.0.1:9/file-${from + i}`,
    paused: true,
  }))
  return (await engine.add(requests)).added.map((d) => d.id)
}

const store = () => useAppStore.getState().downloads

async function expectStoreAtEngine(): Promise<void> {
  const now = await engine.snapshot()
  await expect.poll(() => store().revision).toBe(now.revision)
  expect(store().order).toEqual(now.downloads.map((d) => d.id))
  expect(store().order.map((id) => store().byId[id])).toEqual(now.downloads)
  expect(useAppStore.getState().view.visibleIds).toEqual(store().order)
}

describe('the store fed by a real engine', () => {
  it('shows the first rows before the rest of a long queue has arrived, then every row', async () => {
    const total = FIRST_ROWS + PART_ROWS + 7
    await addPaused(total)
    const shown: number[] = []
    const off = useAppStore.subscribe((s) => shown.push(s.view.visibleIds.length))
    const { client, calls } = connect()
    unbind = bindClient(client)
    await expect.poll(() => store().order.length).toBe(total)
    off()
    // The first update that showed anything showed the head alone.
    expect(shown.find((n) => n > 0)).toBe(FIRST_ROWS)
    expect(calls.filter((m) => m.startsWith('snapshot'))).toEqual([
      'snapshotHead',
      'snapshotPart',
      'snapshotPart',
    ])
    expect(useAppStore.getState().view.counts.all).toBe(total)
    await expectStoreAtEngine()
  })

  it('asks for a few parts ahead and puts them in the store in a few larger steps', async () => {
    const parts = Math.ceil(APPLY_ROWS / PART_ROWS) + 2
    const total = FIRST_ROWS + parts * PART_ROWS - 3
    await addPaused(total)
    const lengths: number[] = []
    const off = useAppStore.subscribe((s) => {
      if (lengths.at(-1) !== s.downloads.order.length) lengths.push(s.downloads.order.length)
    })
    const { client, calls, replies } = connect()
    unbind = bindClient(client)
    await expect.poll(() => store().order.length).toBe(total)
    off()
    expect(lengths.filter((n) => n > 0)).toEqual([FIRST_ROWS, FIRST_ROWS + APPLY_ROWS, total])
    expect(calls.filter((m) => m === 'snapshotPart')).toHaveLength(parts)
    // Never more than PARTS_IN_FLIGHT asked and not yet answered (the head is the first reply).
    const outstanding = replies.map((made, i) => made - (i + 1))
    expect(Math.max(...outstanding)).toBeLessThanOrEqual(PARTS_IN_FLIGHT)
    expect(Math.max(...outstanding)).toBeGreaterThan(1)
    await expectStoreAtEngine()
  })

  it('keeps the events that happen while the parts are read and ends at the engine state', async () => {
    const ids = await addPaused(FIRST_ROWS + 2 * PART_ROWS)
    let changed = false
    const { client } = connect({
      onCall: async (method) => {
        if (method !== 'snapshotPart' || changed) return
        changed = true
        // Rows not read yet: one removed, one renamed; one already shown renamed; a move; an add.
        await engine.remove({ ids: [ids[FIRST_ROWS + 3]!] })
        await engine.update([{ id: ids[FIRST_ROWS + PART_ROWS + 1]!, name: 'later.bin' }])
        await engine.update([{ id: ids[1]!, name: 'shown.bin' }])
        await engine.move(ids.at(-1)!, 0)
        await addPaused(1, 10_000)
      },
    })
    unbind = bindClient(client)
    await expect.poll(() => changed).toBe(true)
    await expectStoreAtEngine()
    expect(store().byId[ids[1]!]!.name).toBe('shown.bin')
    expect(store().byId[ids[FIRST_ROWS + 3]!]).toBeUndefined()
  })

  it('sees a dropped event from the revision gap and reads the snapshot again, whole', async () => {
    await addPaused(FIRST_ROWS + 10)
    let dropping = false
    const { client, calls } = connect({ drop: () => dropping })
    unbind = bindClient(client)
    await expectStoreAtEngine()
    const shownBefore = store().order
    const lengths: number[] = []
    const off = useAppStore.subscribe((s) => lengths.push(s.downloads.order.length))

    dropping = true
    await addPaused(1, 500)
    dropping = false
    await addPaused(1, 600)
    await expectStoreAtEngine()
    off()
    expect(calls.filter((m) => m === 'snapshotHead')).toHaveLength(2)
    // A reload of a list already shown is applied at once: it never shrank to the head.
    expect(Math.min(...lengths)).toBeGreaterThanOrEqual(shownBefore.length)
  })
})
