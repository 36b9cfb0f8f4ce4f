import { MessageChannel } from 'node:worker_threads'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createSyncedClient } from '../src/renderer/src/lib/connection/synced-client.ts'
import { createEngineClient, serveEngine, type Port } from '../src/shared/protocol/rpc.ts'
import type { EngineEvents } from '../src/shared/protocol/events.ts'
import { makeDirs, startEngine, type TestEngine } from './engine-harness.ts'

// The renderer's resync logic over a real MessageChannel to a real engine. The serving side's
// port can be told to lose state events, as a slow WebSocket client's server does.
let dirs: Awaited<ReturnType<typeof makeDirs>>
let engine: TestEngine
const channels: MessageChannel[] = []

beforeEach(async () => {
  dirs = await makeDirs()
  engine = await startEngine({ downloads: dirs.downloads, state: null })
})

afterEach(async () => {
  for (const channel of channels.splice(0)) {
    channel.port1.close()
    channel.port2.close()
  }
  await engine.close()
  await dirs.cleanup()
})

function nodePort(port: MessageChannel['port1'], drop: () => boolean = () => false): Port {
  return {
    postMessage: (message) => {
      const m = message as { kind?: string; name?: string }
      if (m.kind === 'event' && m.name !== 'progress/beat' && drop()) return
      port.postMessage(message)
    },
    onMessage(listener) {
      const handler = (data: unknown) => listener(data)
      port.on('message', handler)
      return () => port.off('message', handler)
    },
  }
}

describe('createSyncedClient', () => {
  it('takes a snapshot as soon as it is created', async () => {
    await engine.add([{ url: 'http://127.0.0.1:9/a', paused: true }])
    const channel = new MessageChannel()
    channels.push(channel)
    serveEngine(nodePort(channel.port1), engine)
    const client = createSyncedClient(createEngineClient(nodePort(channel.port2)))
    const snapshot = await new Promise<EngineEvents['engine/snapshot']>((resolve) =>
      client.on('engine/snapshot', resolve),
    )
    expect(snapshot.downloads).toHaveLength(1)
    client.dispose()
  })

  it('notices a missed event from the revision gap and resyncs from a fresh snapshot', async () => {
    const channel = new MessageChannel()
    channels.push(channel)
    let dropping = false
    serveEngine(
      nodePort(channel.port1, () => dropping),
      engine,
    )
    const client = createSyncedClient(createEngineClient(nodePort(channel.port2)))
    const snapshots: EngineEvents['engine/snapshot'][] = []
    const added: string[] = []
    client.on('engine/snapshot', (s) => snapshots.push(s))
    client.on('download/added', (e) => added.push(e.download.id))
    await expect.poll(() => snapshots.length).toBe(1)

    dropping = true
    const lost = await engine.add([{ url: 'http://127.0.0.1:9/lost', paused: true }])
    dropping = false
    const seen = await engine.add([{ url: 'http://127.0.0.1:9/seen', paused: true }])

    await expect.poll(() => snapshots.length).toBe(2)
    const ids = snapshots[1]!.downloads.map((d) => d.id)
    expect(ids).toContain(lost.added[0]!.id)
    expect(added).not.toContain(lost.added[0]!.id)
    // The event after the gap is either delivered or covered by the snapshot, never lost.
    expect([...ids, ...added]).toContain(seen.added[0]!.id)
    client.dispose()
  })

  it('shares one snapshot call between its own first sync and a caller asking at once', async () => {
    const channel = new MessageChannel()
    channels.push(channel)
    serveEngine(nodePort(channel.port1), engine)
    const port = nodePort(channel.port2)
    const calls: string[] = []
    const counting: Port = {
      postMessage: (message) => {
        const m = message as { kind?: string; method?: string }
        if (m.kind === 'call' && m.method) calls.push(m.method)
        port.postMessage(message)
      },
      onMessage: (listener) => port.onMessage(listener),
    }
    const client = createSyncedClient(createEngineClient(counting))
    const announced = new Promise((resolve) => client.on('engine/snapshot', resolve))
    // As the window's sink does on binding: a snapshot while the client's own is in flight.
    const [snapshot] = await Promise.all([client.snapshot(), announced])
    expect(snapshot.revision).toBeGreaterThanOrEqual(0)
    expect(calls.filter((m) => m === 'snapshot')).toEqual(['snapshot'])
    // Once answered, a later call asks the engine again.
    await client.snapshot()
    expect(calls.filter((m) => m === 'snapshot')).toHaveLength(2)
    client.dispose()
  })
})
