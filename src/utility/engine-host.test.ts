import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { MessageChannel, type MessagePort } from 'node:worker_threads'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { makeBody, startFaultServer, type FaultServer } from '../../test/fault-server.ts'
import { makeDirs } from '../../test/engine-harness.ts'
import { portOf } from '../../test/message-port.ts'
import { createEngine, type Engine } from '../engine/engine.ts'
import { createEngineClient, type EngineClient } from '../shared/protocol/rpc.ts'
import { waitForState } from '../../test/wait-for-state.ts'
import { runEngineHost, type ClientPort, type HostReport } from './engine-host.ts'

// The utility process's logic under plain Node: the host runs with a real engine, and main and
// the windows talk to it through real MessageChannels (messages are cloned, ports transferred).

type Host = {
  /** main's end: sends host messages, with ports transferred. */
  send(data: unknown, ports?: MessagePort[]): void
  reports: HostReport[]
  exits: number[]
  /** Subscriptions to engine events that are still open (one set per served port). */
  listeners(): number
  connectWindow(): EngineClient & { port: MessagePort }
}

let dirs: Awaited<ReturnType<typeof makeDirs>>
let fault: FaultServer
const open: MessagePort[] = []

beforeEach(async () => {
  dirs = await makeDirs()
  fault = await startFaultServer()
})

afterEach(async () => {
  for (const port of open.splice(0)) port.close()
  await fault.close()
  await dirs.cleanup()
})

function startHost(): Host {
  const link = new MessageChannel()
  open.push(link.port1, link.port2)
  const reports: HostReport[] = []
  const exits: number[] = []
  let subscriptions = 0
  link.port1.on('message', (report: HostReport) => reports.push(report))
  runEngineHost(
    {
      postMessage: (message) => link.port2.postMessage(message),
      onMessage: (listener) =>
        link.port2.on('message', (envelope: { data: unknown; ports: MessagePort[] }) =>
          listener(envelope.data, envelope.ports.map(adaptNodePort)),
        ),
    },
    {
      // The real engine, with its event subscriptions counted.
      createEngine: async (options) => {
        const engine: Engine = await createEngine({ ...options, heartbeatMs: 50 })
        return {
          ...engine,
          on(name, listener) {
            subscriptions++
            const off = engine.on(name, listener)
            return () => {
              subscriptions--
              off()
            }
          },
        }
      },
      exit: (code) => exits.push(code),
      log: () => {},
    },
  )
  const send = (data: unknown, ports: MessagePort[] = []) =>
    link.port1.postMessage({ data, ports }, ports)
  return {
    send,
    reports,
    exits,
    listeners: () => subscriptions,
    connectWindow() {
      const channel = new MessageChannel()
      open.push(channel.port1)
      send({ type: 'connect' }, [channel.port2])
      return Object.assign(createEngineClient(portOf(channel.port1)), { port: channel.port1 })
    },
  }
}

/** A port the host is handed: the shared adapter, plus `close`. */
function adaptNodePort(port: MessagePort): ClientPort {
  return { ...portOf(port), close: () => port.close() }
}

const init = () => ({ type: 'init', stateDir: dirs.state, defaultDir: dirs.downloads })

describe('runEngineHost', () => {
  it('serves a window over its own port: add, progress beats, pause, resume, completion', async () => {
    const body = makeBody(4 * 1024 * 1024, 5)
    fault.file('/f.bin', body, { rateLimit: 1024 * 1024 })
    const host = startHost()
    host.send(init())
    // Connected before the engine is ready: the port waits for it.
    const window = host.connectWindow()
    await expect.poll(() => host.reports).toContainEqual({ type: 'ready' })

    const beats: number[] = []
    window.on('progress/beat', (beat) => beats.push(...beat.items.map((item) => item.done)))
    // One connection at 1 MiB/s: still running when it is paused, however loaded the machine.
    const { added } = await window.add([{ url: fault.url('/f.bin'), maxConnections: 1 }])
    const id = added[0]!.id
    await expect.poll(() => beats.some((done) => done > 0)).toBe(true)
    expect((await window.pause({ ids: [id] })).affected).toEqual([id])
    expect((await waitForState(window, id, ['paused'])).state).toBe('paused')
    await window.resume({ ids: [id] })
    expect((await waitForState(window, id, ['completed'])).size).toBe(body.length)
    expect(await readFile(join(dirs.downloads, 'f.bin'))).toEqual(body)
    host.send({ type: 'shutdown' })
    await expect.poll(() => host.exits).toEqual([0])
  })

  it('gives a second window the same engine, and forgets a window whose port closed', async () => {
    const host = startHost()
    host.send(init())
    const first = host.connectWindow()
    const second = host.connectWindow()
    await expect.poll(() => host.reports).toContainEqual({ type: 'ready' })
    await expect.poll(() => host.listeners()).toBeGreaterThan(0)
    const perPort = host.listeners() / 2

    const seen = new Promise<string>((resolve) =>
      second.on('download/added', (e) => resolve(e.downloads[0]!.url)),
    )
    await first.add([{ url: fault.url('/paused.bin'), paused: true }])
    expect(await seen).toBe(fault.url('/paused.bin'))

    first.port.close()
    await expect.poll(() => host.listeners()).toBe(perPort)
    expect((await second.snapshot()).downloads).toHaveLength(1)
    host.send({ type: 'shutdown' })
    await expect.poll(() => host.exits).toEqual([0])
  })

  it('shuts down with the data durable; the next host resumes without fetching it again', async () => {
    const size = 6 * 1024 * 1024
    const body = makeBody(size, 9)
    fault.file('/big.bin', body, { rateLimit: 2 * 1024 * 1024 })
    const host = startHost()
    host.send(init())
    const window = host.connectWindow()
    const { added } = await window.add([{ url: fault.url('/big.bin'), maxConnections: 1 }])
    const id = added[0]!.id
    await new Promise<void>((resolve) => {
      const off = window.on('progress/beat', (beat) => {
        if (beat.items.some((item) => item.id === id && item.done > 2 * 1024 * 1024)) {
          off()
          resolve()
        }
      })
    })
    host.send({ type: 'shutdown' })
    await expect.poll(() => host.reports).toContainEqual({ type: 'closed' })
    expect(host.exits).toEqual([0])

    const next = startHost()
    next.send(init())
    const again = next.connectWindow()
    expect((await waitForState(again, id, ['completed'])).state).toBe('completed')
    expect(await readFile(join(dirs.downloads, 'big.bin'))).toEqual(body)
    // Only what was still in the socket buffers at shutdown is fetched twice.
    expect(fault.bytesServed('/big.bin')).toBeLessThanOrEqual(size + 64 * 1024)
    next.send({ type: 'shutdown' })
    await expect.poll(() => next.exits).toEqual([0])
  })

  it('ignores malformed messages and refuses ports before init', async () => {
    const host = startHost()
    host.send({ type: 'exec', cmd: 'rm -rf /' })
    host.send({ type: 'init', stateDir: '' })
    const early = host.connectWindow()
    const closed = new Promise<void>((resolve) => early.port.once('close', () => resolve()))
    await closed
    expect(host.reports).toEqual([])
    host.send({ type: 'shutdown' })
    await expect.poll(() => host.exits).toEqual([0])
  })

  it('reports an engine that cannot start and exits 1', async () => {
    const host = startHost()
    // A state folder below a file cannot be created.
    const { writeFile } = await import('node:fs/promises')
    await writeFile(join(dirs.root, 'file'), 'x')
    host.send({
      type: 'init',
      stateDir: join(dirs.root, 'file', 'state'),
      defaultDir: dirs.downloads,
    })
    await expect.poll(() => host.exits).toEqual([1])
    expect(host.reports[0]).toMatchObject({ type: 'fatal' })
  })
})
