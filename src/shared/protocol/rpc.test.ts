import { MessageChannel } from 'node:worker_threads'
import { afterEach, describe, expect, it } from 'vitest'
import { createEngine, type Engine } from '../../engine/engine.ts'
import { createEngineClient, serveEngine } from './rpc.ts'
import { makeDirs } from '../../../test/engine-harness.ts'
import { portOf } from '../../../test/message-port.ts'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function connect() {
  const dirs = await makeDirs()
  const engine: Engine = await createEngine({
    stateDir: dirs.state,
    settings: { defaultDir: dirs.downloads },
  })
  const channel = new MessageChannel()
  const stop = serveEngine(portOf(channel.port1), engine)
  const client = createEngineClient(portOf(channel.port2))
  cleanups.push(
    dirs.cleanup,
    () => engine.close(),
    stop,
    () => client.dispose(),
    () => {
      channel.port1.close()
      channel.port2.close()
    },
  )
  return { client, engine, port: channel.port2 }
}

describe('engine RPC', () => {
  it('calls engine methods and delivers their events', async () => {
    const { client } = await connect()
    const added: string[] = []
    client.on('download/added', (e) => added.push(...e.downloads.map((d) => d.name)))
    const result = await client.add([{ url: 'http://127.0.0.1:9/file.iso', paused: true }])
    expect(result.added[0]).toMatchObject({ name: 'file.iso', state: 'paused' })
    await new Promise((r) => setTimeout(r, 20))
    expect(added).toEqual(['file.iso'])
    const snap = await client.snapshot()
    expect(snap.downloads.map((d) => d.id)).toEqual([result.added[0]!.id])
  })

  it('rejects with the engine error code', async () => {
    const { client } = await connect()
    await expect(client.pause({ ids: ['nope'] })).rejects.toMatchObject({
      code: 'DP_ERR_NOT_FOUND',
    })
  })

  it('validates arguments before they reach the engine', async () => {
    const { client } = await connect()
    await expect(client.updateSettings({ maxConcurrentDownloads: -3 })).rejects.toMatchObject({
      code: 'DP_ERR_INVALID_ARGUMENT',
      message: expect.stringMatching(/maxConcurrentDownloads/),
    })
    await expect(
      client.add([{ url: 'http://x/', headers: { 'x-evil': 'a\r\nInjected: 1' } }]),
    ).rejects.toMatchObject({ code: 'DP_ERR_INVALID_ARGUMENT' })
  })

  it('answers malformed calls with an error and ignores messages without a sequence number', async () => {
    const { port } = await connect()
    const replies: unknown[] = []
    port.on('message', (m) => replies.push(m))
    port.postMessage({ kind: 'call', seq: 7, method: 'deleteEverything', args: [] })
    port.postMessage({ hello: 'world' })
    await new Promise((r) => setTimeout(r, 30))
    const errors = replies.filter((m) => (m as { kind: string }).kind === 'reply')
    expect(errors).toEqual([
      {
        kind: 'reply',
        seq: 7,
        ok: false,
        error: { code: 'DP_ERR_INVALID_ARGUMENT', message: expect.any(String) },
      },
    ])
  })
})
