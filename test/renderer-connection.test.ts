import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { connectWebSocket, type SocketLike } from '../src/renderer/src/lib/connection/websocket.ts'
import type { EngineServer } from '../src/server/engine-server.ts'
import type { ConnectionStatus } from '../src/shared/protocol/connection.ts'
import { resetAppStore, useAppStore } from '../src/renderer/src/store/app-store.ts'
import { attachConnection } from '../src/renderer/src/store/engine-sink.ts'
import { makeDirs, startEngine, type TestEngine } from './engine-harness.ts'
import { makeBody, startFaultServer, type FaultServer } from './fault-server.ts'
import { startTestServer } from './run-serve.ts'

// The browser shell's connection (src/renderer/src/lib/connection) against a real server and
// engine; the `ws` package stands in for the browser's WebSocket (same event-handler API).
const token = 'renderer-connection-test-token'
const fast = { baseMs: 50, maxMs: 200 }

let dirs: Awaited<ReturnType<typeof makeDirs>>
let fault: FaultServer
let engine: TestEngine
let server: EngineServer | undefined
let detach: (() => void) | undefined

beforeEach(async () => {
  resetAppStore()
  dirs = await makeDirs()
  fault = await startFaultServer()
  engine = await startEngine({ downloads: dirs.downloads, state: dirs.state })
})

afterEach(async () => {
  detach?.()
  detach = undefined
  await server?.close()
  server = undefined
  await engine.close()
  await fault.close()
  await dirs.cleanup()
})

async function serve(port = 0): Promise<EngineServer> {
  server = await startTestServer(engine, dirs.root, token, { port })
  return server
}

const socketWithToken = (url: string) =>
  new WebSocket(url, { headers: { authorization: `Bearer ${token}` } }) as unknown as SocketLike

function nextStatus(
  connection: { onStatus(listener: (s: ConnectionStatus) => void): () => void },
  kind: ConnectionStatus['kind'],
): Promise<ConnectionStatus> {
  return new Promise((resolve) => {
    const off = connection.onStatus((status) => {
      if (status.kind === kind) {
        off()
        resolve(status)
      }
    })
  })
}

describe('connectWebSocket', () => {
  it('connects, feeds the store from a snapshot and runs a download through a new client', async () => {
    const { origin } = await serve()
    const connection = connectWebSocket({
      url: `${origin.replace('http', 'ws')}/api`,
      createSocket: socketWithToken,
      checkAccess: async () => 'ok',
    })
    expect(connection.host).toBe('browser')
    expect(connection.status()).toEqual({ kind: 'connecting' })
    const client = await new Promise<NonNullable<ReturnType<typeof connection.client>>>((resolve) =>
      connection.onClient(resolve),
    )
    detach = attachConnection(connection)
    await expect.poll(() => useAppStore.getState().downloads.loaded).toBe(true)
    expect(connection.status()).toEqual({ kind: 'connected' })

    fault.file('/a.bin', makeBody(256 * 1024, 1))
    const completed = new Promise<void>((resolve) =>
      client.on('download/changed', (e) => {
        if (e.changes.some((c) => c.download.state === 'completed')) resolve()
      }),
    )
    await client.add([{ url: fault.url('/a.bin') }])
    await completed
    connection.close()
  })

  it('reconnects with a new client and a fresh snapshot after the server went away', async () => {
    const port = await freePort()
    await serve(port)
    const connection = connectWebSocket({
      url: `ws://127.0.0.1:${port}/api`,
      createSocket: socketWithToken,
      checkAccess: async () => 'ok',
      backoff: fast,
    })
    const clients: unknown[] = []
    connection.onClient((c) => clients.push(c))
    detach = attachConnection(connection)
    await nextStatus(connection, 'connected')
    const seen = await engine.add([{ url: fault.url('/seen'), paused: true }])
    await expect.poll(() => useAppStore.getState().downloads.order).toEqual([seen.added[0]!.id])

    const reconnecting = nextStatus(connection, 'reconnecting')
    await server!.close()
    server = undefined
    expect(await reconnecting).toMatchObject({ kind: 'reconnecting', attempt: 1 })
    expect(connection.client()).toBeNull()
    // Added while the server is away: no event can tell the window, only a fresh snapshot.
    const missed = await engine.add([{ url: fault.url('/missed'), paused: true }])

    await serve(port)
    await expect
      .poll(() => useAppStore.getState().downloads.order)
      .toEqual([seen.added[0]!.id, missed.added[0]!.id])
    expect(clients).toHaveLength(2)
    expect(clients[0]).not.toBe(clients[1])
    expect(connection.status()).toEqual({ kind: 'connected' })
    connection.close()
  })

  it('gives up with a clear message when the server refuses this browser', async () => {
    const { origin } = await serve()
    const connection = connectWebSocket({
      url: `${origin.replace('http', 'ws')}/api`,
      // No token: the upgrade is refused, and the page's HEAD / (no cookie) gets 401.
      createSocket: (url) => new WebSocket(url) as unknown as SocketLike,
      backoff: fast,
    })
    const failed = await nextStatus(connection, 'failed')
    expect(failed).toMatchObject({ kind: 'failed', canRestart: false })
    expect((failed as { detail: string }).detail).toContain('?token=')
    connection.close()
  })
})

async function freePort(): Promise<number> {
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const { port } = probe.address() as AddressInfo
  await new Promise<void>((resolve) => probe.close(() => resolve()))
  return port
}
