import { MessageChannel, type MessagePort } from 'node:worker_threads'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createEngine, type Engine } from '../../engine/engine.ts'
import { createEngineClient, serveEngine, type EngineClient, type Port } from './rpc.ts'
import type { EngineEvents } from './events.ts'
import { addOne, makeDirs } from '../../../test/engine-harness.ts'
import { makeBody, startFaultServer, type FaultServer } from '../../../test/fault-server.ts'

/** A real MessagePort as the RPC's Port, including its close notification. */
function adapt(port: MessagePort): Port {
  return {
    postMessage: (m) => port.postMessage(m),
    onMessage(listener) {
      const handler = (m: unknown) => listener(m)
      port.on('message', handler)
      return () => port.off('message', handler)
    },
    onClose(listener) {
      port.once('close', listener)
      return () => port.off('close', listener)
    },
  }
}

let server: FaultServer
let dirs: Awaited<ReturnType<typeof makeDirs>>
let engine: Engine
const cleanups: (() => unknown)[] = []

beforeEach(async () => {
  server = await startFaultServer()
  dirs = await makeDirs()
  engine = await createEngine({
    stateDir: dirs.state,
    heartbeatMs: 50,
    settings: { defaultDir: dirs.downloads, minSplitSize: 256 * 1024 },
  })
})

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
  await engine.close()
  await server.close()
  await dirs.cleanup()
})

/** One client on its own channel, recording the segment beats it receives. */
function connect(): {
  client: EngineClient
  beats: EngineEvents['segments/beat'][]
  port: MessagePort
  stopped: () => boolean
} {
  const channel = new MessageChannel()
  let stopped = false
  const stop = serveEngine(adapt(channel.port1), engine)
  const client = createEngineClient(adapt(channel.port2))
  const beats: EngineEvents['segments/beat'][] = []
  client.on('segments/beat', (beat) => beats.push(beat))
  cleanups.push(
    () => {
      stopped = true
      stop()
    },
    () => client.dispose(),
    () => {
      channel.port1.close()
      channel.port2.close()
    },
  )
  return { client, beats, port: channel.port2, stopped: () => stopped }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('segment maps over RPC, per client', () => {
  it('each port gets only what it watches; unwatching or closing a port stops its events, and the engine stops building maps once no port watches', async () => {
    server.file('/watched.bin', makeBody(8 * 1024 * 1024, 95), { rateLimit: 512 * 1024 })
    server.file('/other.bin', makeBody(8 * 1024 * 1024, 96), { rateLimit: 512 * 1024 })
    const a = connect()
    const b = connect()
    const engineBeats: EngineEvents['segments/beat'][] = []
    engine.on('segments/beat', (beat) => engineBeats.push(beat))
    const watched = await addOne(engine, { url: server.url('/watched.bin') })
    const other = await addOne(engine, { url: server.url('/other.bin') })
    await sleep(300)

    // A watches one download (twice: still one watch); B watches nothing and hears nothing.
    expect((await a.client.watchSegments(watched)).id).toBe(watched)
    await a.client.watchSegments(watched)
    await sleep(400)
    expect(a.beats.length).toBeGreaterThan(0)
    expect(a.beats.every((beat) => beat.items.every((m) => m.id === watched))).toBe(true)
    expect(b.beats).toEqual([])

    // B watches the other one: each still gets only its own.
    await b.client.watchSegments(other)
    await sleep(400)
    expect(b.beats.length).toBeGreaterThan(0)
    expect(b.beats.every((beat) => beat.items.every((m) => m.id === other))).toBe(true)
    expect(a.beats.every((beat) => beat.items.every((m) => m.id === watched))).toBe(true)

    // A unwatches (once is enough, however often it watched): A hears nothing more.
    await a.client.unwatchSegments(watched)
    await sleep(100)
    const aCount = a.beats.length
    await sleep(400)
    expect(a.beats.length).toBe(aCount)
    expect(engineBeats.at(-1)?.items.map((m) => m.id)).toEqual([other])

    // B's window closes without unwatching: the port's close releases its watch, and the
    // engine stops building maps at all.
    b.port.close()
    await sleep(150)
    const engineCount = engineBeats.length
    await sleep(400)
    expect(engineBeats.length).toBe(engineCount)
    await engine.pause({ all: true })
  }, 20_000)

  it('two ports watching the same download: one leaving does not end the other', async () => {
    server.file('/shared.bin', makeBody(8 * 1024 * 1024, 97), { rateLimit: 512 * 1024 })
    const a = connect()
    const b = connect()
    const id = await addOne(engine, { url: server.url('/shared.bin') })
    await sleep(200)
    await a.client.watchSegments(id)
    await b.client.watchSegments(id)
    await a.client.unwatchSegments(id)
    await sleep(100)
    const bCount = b.beats.length
    await sleep(400)
    expect(b.beats.length).toBeGreaterThan(bCount)
    // Unknown ids are refused for watching and ignored for unwatching.
    await expect(b.client.watchSegments('nope')).rejects.toMatchObject({
      code: 'DP_ERR_NOT_FOUND',
    })
    await expect(b.client.unwatchSegments('nope')).resolves.toBeUndefined()
    await engine.pause({ all: true })
  }, 20_000)
})
