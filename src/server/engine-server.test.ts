import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { makeBody, startFaultServer, type FaultServer } from '../../test/fault-server.ts'
import { makeDirs, startEngine, type TestEngine } from '../../test/engine-harness.ts'
import { connectClient, startTestServer } from '../../test/run-serve.ts'
import { DEFAULT_FLOW_BOUNDS } from './outbound-flow.ts'
import type { EngineServer } from './engine-server.ts'

const token = 'engine-server-test-token'

let dirs: Awaited<ReturnType<typeof makeDirs>>
let fault: FaultServer
let engine: TestEngine
let server: EngineServer

beforeEach(async () => {
  dirs = await makeDirs()
  fault = await startFaultServer()
})

afterEach(async () => {
  await server?.close()
  await engine?.close()
  await fault.close()
  await dirs.cleanup()
})

describe('startEngineServer with a client that never reads', () => {
  it('keeps what it holds for that client bounded while 200 downloads progress', async () => {
    // A fast heartbeat makes the beats pile up quickly: ~64 rows each, 100 beats a second.
    engine = await startEngine({ downloads: dirs.downloads, state: dirs.state, heartbeatMs: 10 })
    await engine.updateSettings({ maxConcurrentDownloads: 64, maxConnectionsPerHost: 64 })
    server = await startTestServer(engine, dirs.root, token)
    const auth = { authorization: `Bearer ${token}` }
    const reader = await connectClient(server.origin, auth)
    const stalled = await connectClient(server.origin, auth)
    // Stop reading from the socket: the kernel's buffers fill, then the server's would.
    stalled.socket.pause()

    const body = makeBody(8 * 1024 * 1024, 3)
    const requests = []
    for (let i = 0; i < 200; i++) {
      fault.file(`/f${i}.bin`, body, { rateLimit: 32 * 1024 })
      requests.push({ url: fault.url(`/f${i}.bin`), maxConnections: 1 })
    }
    expect((await reader.client.add(requests)).added).toHaveLength(200)

    const stalledId = server.clients().find((c) => c.id === 2)!.id
    let maxBuffered = 0
    let beatsSinceBackedUp = 0
    let beatBytesSinceBackedUp = 0
    await new Promise<void>((resolve) => {
      const off = reader.client.on('progress/beat', (beat) => {
        const buffered = server.clients().find((c) => c.id === stalledId)?.buffered ?? 0
        maxBuffered = Math.max(maxBuffered, buffered)
        if (maxBuffered > DEFAULT_FLOW_BOUNDS.beat) {
          beatsSinceBackedUp++
          beatBytesSinceBackedUp += JSON.stringify(beat).length
        }
        // Well past the point where an unbounded queue would have outgrown every bound.
        if (beatBytesSinceBackedUp > 4 * DEFAULT_FLOW_BOUNDS.state && beatsSinceBackedUp > 100) {
          off()
          resolve()
        }
      })
    })
    // The socket really backed up (the test means something), yet the server held little.
    expect(maxBuffered).toBeGreaterThan(DEFAULT_FLOW_BOUNDS.beat)
    expect(maxBuffered).toBeLessThan(DEFAULT_FLOW_BOUNDS.state)

    // Once it reads again it catches up with one merged beat carrying the current figures.
    const caughtUp = new Promise<number>((resolve) =>
      stalled.client.on('progress/beat', (beat) => {
        if (beat.items.length > 0) resolve(beat.items.length)
      }),
    )
    stalled.socket.resume()
    expect(await caughtUp).toBeGreaterThan(0)
    reader.socket.close()
    stalled.socket.close()
  }, 120_000)
})

describe('startEngineServer frames', () => {
  it("sends events and replies as text frames, an add's event to two clients as the same text", async () => {
    engine = await startEngine({ downloads: dirs.downloads, state: dirs.state })
    server = await startTestServer(engine, dirs.root, token)
    const auth = { authorization: `Bearer ${token}` }
    const clients = [
      await connectClient(server.origin, auth),
      await connectClient(server.origin, auth),
    ]
    const frames = clients.map(({ socket }) => {
      const seen: { text: string; binary: boolean }[] = []
      socket.on('message', (data, isBinary) =>
        seen.push({ text: data.toString(), binary: isBinary }),
      )
      return seen
    })
    const added = new Promise<void>((resolve) =>
      clients[1]!.client.on('download/added', () => resolve()),
    )
    await clients[0]!.client.add([{ url: fault.url('/never.bin'), paused: true }])
    await added
    const events = frames.map((seen) => seen.filter((f) => f.text.includes('"download/added"')))
    expect(events.map((e) => e.length)).toEqual([1, 1])
    expect(events[0]![0]).toEqual({ text: events[1]![0]!.text, binary: false })
    expect(frames[0]!.every((f) => !f.binary)).toBe(true)
    expect(frames[0]!.some((f) => f.text.startsWith('{"kind":"reply"'))).toBe(true)
    for (const { client, socket } of clients) {
      client.dispose()
      socket.close()
    }
  })
})
