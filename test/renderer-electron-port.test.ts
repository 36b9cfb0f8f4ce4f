import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { DownpourBridge, EngineHostStatus } from '../src/shared/desktop-bridge.ts'
import { ENGINE_PORT_MESSAGE } from '../src/shared/desktop-bridge.ts'
import {
  connectElectronPort,
  type PagePort,
  type PortWindow,
} from '../src/renderer/src/lib/connection/electron-port.ts'
import type { ConnectionStatus } from '../src/shared/protocol/connection.ts'
import { resetAppStore, useAppStore } from '../src/renderer/src/store/app-store.ts'
import { attachConnection } from '../src/renderer/src/store/engine-sink.ts'
import { serveEngine } from '../src/shared/protocol/rpc.ts'
import { makeDirs, startEngine, type TestEngine } from './engine-harness.ts'

// The desktop shell's connection with a real engine behind real (web-standard) MessagePorts.
// The window and the bridge are the two objects the preload gives the page; here a test plays
// main and the preload: it posts ports as window messages and pushes engine statuses.
let dirs: Awaited<ReturnType<typeof makeDirs>>
let engine: TestEngine
const channels: InstanceType<typeof MessageChannel>[] = []
let detach: (() => void) | undefined

beforeEach(async () => {
  resetAppStore()
  dirs = await makeDirs()
  engine = await startEngine({ downloads: dirs.downloads, state: null })
})

afterEach(async () => {
  detach?.()
  detach = undefined
  for (const c of channels.splice(0)) {
    c.port1.close()
    c.port2.close()
  }
  await engine.close()
  await dirs.cleanup()
})

function fakeShell() {
  const messageListeners: Parameters<PortWindow['addEventListener']>[1][] = []
  const target: PortWindow = {
    addEventListener: (_type, listener) => messageListeners.push(listener),
  }
  let statusListener: (status: EngineHostStatus) => void = () => {}
  const restarts: number[] = []
  const bridge = {
    onEngineStatus: (listener: (status: EngineHostStatus) => void) => {
      statusListener = listener
      listener({ kind: 'starting' })
      return () => {}
    },
    restartEngine: () => restarts.push(1),
    onExternalUrls: () => () => {},
  } as unknown as DownpourBridge
  return {
    target,
    bridge,
    restarts,
    status: (status: EngineHostStatus) => statusListener(status),
    /** main + preload: a new channel to the engine, its page end posted to the window. */
    handOverPort(source: unknown = target, type: string = ENGINE_PORT_MESSAGE) {
      const channel = new MessageChannel()
      channels.push(channel)
      channel.port1.start()
      serveEngine(
        {
          postMessage: (m) => channel.port1.postMessage(m),
          onMessage: (listener) => {
            const handler = (event: Event) => listener((event as MessageEvent).data)
            channel.port1.addEventListener('message', handler)
            return () => channel.port1.removeEventListener('message', handler)
          },
        },
        engine,
      )
      for (const listener of messageListeners)
        listener({ source, data: { type }, ports: [channel.port2 as unknown as PagePort] })
    },
  }
}

describe('connectElectronPort', () => {
  it('connects on the port the preload posts, and ignores messages from anything else', async () => {
    const shell = fakeShell()
    const connection = connectElectronPort(shell.bridge, shell.target)
    expect(connection.host).toBe('desktop')
    expect(connection.status()).toEqual({ kind: 'connecting' })
    shell.handOverPort({ someOtherWindow: true })
    shell.handOverPort(shell.target, 'something-else')
    expect(connection.client()).toBeNull()

    shell.handOverPort()
    expect(connection.status()).toEqual({ kind: 'connected' })
    const client = connection.client()!
    expect((await client.snapshot()).downloads).toEqual([])
    await client.add([{ url: 'http://127.0.0.1:9/x', paused: true }])
    expect((await client.snapshot()).downloads).toHaveLength(1)
  })

  it('shows a restart, then recovers on the new port with a new client and a fresh snapshot', async () => {
    const shell = fakeShell()
    const connection = connectElectronPort(shell.bridge, shell.target)
    const statuses: ConnectionStatus[] = []
    connection.onStatus((s) => statuses.push(s))
    shell.handOverPort()
    const first = connection.client()
    await engine.add([{ url: 'http://127.0.0.1:9/y', paused: true }])

    shell.status({
      kind: 'restarting',
      attempt: 1,
      reason: 'the engine stopped unexpectedly (exit code 1)',
    })
    expect(connection.client()).toBeNull()
    shell.handOverPort()
    shell.status({ kind: 'running' })
    const second = connection.client()!
    expect(second).not.toBe(first)
    // The store follows the new client with a fresh snapshot.
    detach = attachConnection(connection)
    const ids = (await engine.snapshot()).downloads.map((d) => d.id)
    expect(ids).toHaveLength(1)
    await expect.poll(() => useAppStore.getState().downloads.order).toEqual(ids)
    expect(statuses.map((s) => s.kind)).toEqual([
      'connected',
      'reconnecting',
      'connected',
      'connected',
    ])
  })

  it('reports giving up with the detail and can ask main to restart', () => {
    const shell = fakeShell()
    const connection = connectElectronPort(shell.bridge, shell.target)
    shell.status({
      kind: 'failed',
      message: 'The download engine stopped 5 times within a minute.',
      detail: 'Error: boom',
    })
    expect(connection.status()).toEqual({
      kind: 'failed',
      message: 'The download engine stopped 5 times within a minute.',
      detail: 'Error: boom',
      canRestart: true,
    })
    connection.restartEngine!()
    expect(shell.restarts).toEqual([1])
  })
})
