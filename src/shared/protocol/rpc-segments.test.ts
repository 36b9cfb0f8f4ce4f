import { MessageChannel, type MessagePort } from 'node:worker_threads'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createEngine, type Engine } from '../../engine/engine.ts'
import { createEngineClient, serveEngine, type EngineClient } from './rpc.ts'
import type { EngineEvents } from './events.ts'
import { addOne, makeDirs } from '../../../test/engine-harness.ts'
import { makeBody, startFaultServer, type FaultServer } from '../../../test/fault-server.ts'
import { portOf } from '../../../test/message-port.ts'

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
  const stop = serveEngine(portOf(channel.port1), engine)
  const client = createEngineClient(portOf(channel.port2))
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

/** Waits until `check` holds (polling), failing after `timeoutMs`: load makes timing vary. */
async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await sleep(20)
  }
}

/** Resolves once `count()` stayed the same for `quietMs` (events stopped), or fails. */
async function settles(count: () => number, quietMs = 400, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs
  for (;;) {
    const before = count()
    await sleep(quietMs)
    if (count() === before) return
    if (Date.now() > end) throw new Error('events did not stop')
  }
}

/** Slow enough to outlast the test on a loaded machine: 2 connections × 512 KiB/s, 16 MiB. */
const SLOW = { size: 16 * 1024 * 1024, rate: 512 * 1024, connections: 2 }

describe('segment maps over RPC, per client', () => {
  it('each port gets only what it watches; unwatching or closing a port stops its events, and the engine stops building maps once no port watches', async () => {
    server.file('/watched.bin', makeBody(SLOW.size, 95), { rateLimit: SLOW.rate })
    server.file('/other.bin', makeBody(SLOW.size, 96), { rateLimit: SLOW.rate })
    const a = connect()
    const b = connect()
    const engineBeats: EngineEvents['segments/beat'][] = []
    engine.on('segments/beat', (beat) => engineBeats.push(beat))
    const watched = await addOne(engine, {
      url: server.url('/watched.bin'),
      maxConnections: SLOW.connections,
    })
    const other = await addOne(engine, {
      url: server.url('/other.bin'),
      maxConnections: SLOW.connections,
    })
    await sleep(300)

    // A watches one download (twice: still one watch); B watches nothing and hears nothing.
    expect((await a.client.watchSegments(watched)).id).toBe(watched)
    await a.client.watchSegments(watched)
    await until(() => a.beats.length >= 2)
    expect(a.beats.every((beat) => beat.items.every((m) => m.id === watched))).toBe(true)
    expect(b.beats).toEqual([])

    // B watches the other one: each still gets only its own.
    await b.client.watchSegments(other)
    await until(() => b.beats.length >= 2)
    expect(b.beats.every((beat) => beat.items.every((m) => m.id === other))).toBe(true)
    expect(a.beats.every((beat) => beat.items.every((m) => m.id === watched))).toBe(true)

    // A unwatches (once is enough, however often it watched): A hears nothing more.
    await a.client.unwatchSegments(watched)
    await settles(() => a.beats.length)
    const bCount = b.beats.length
    await until(() => b.beats.length > bCount)
    expect(engineBeats.at(-1)?.items.map((m) => m.id)).toEqual([other])

    // B's window closes without unwatching: the port's close releases its watch, and the
    // engine stops building maps at all.
    b.port.close()
    await settles(() => engineBeats.length)
    // Both downloads still run: only the watching stopped.
    const states = (await engine.snapshot()).downloads.map((d) => d.state)
    expect(states.every((s) => s === 'probing' || s === 'downloading')).toBe(true)
    await engine.pause({ all: true })
  }, 20_000)

  it('two ports watching the same download: one leaving does not end the other', async () => {
    server.file('/shared.bin', makeBody(SLOW.size, 97), { rateLimit: SLOW.rate })
    const a = connect()
    const b = connect()
    const id = await addOne(engine, {
      url: server.url('/shared.bin'),
      maxConnections: SLOW.connections,
    })
    await sleep(200)
    await a.client.watchSegments(id)
    await b.client.watchSegments(id)
    await a.client.unwatchSegments(id)
    const bCount = b.beats.length
    await until(() => b.beats.length >= bCount + 3)
    // Unknown ids are refused for watching and ignored for unwatching.
    await expect(b.client.watchSegments('nope')).rejects.toMatchObject({
      code: 'DP_ERR_NOT_FOUND',
    })
    await expect(b.client.unwatchSegments('nope')).resolves.toBeUndefined()
    await engine.pause({ all: true })
  }, 20_000)
})
