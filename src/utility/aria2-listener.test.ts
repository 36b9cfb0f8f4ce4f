import { writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:net'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { Aria2TestClient } from '../../test/aria2-rpc-client.ts'
import { makeDirs, startEngine, type TestEngine } from '../../test/engine-harness.ts'
import { makeBody, startFaultServer, type FaultServer } from '../../test/fault-server.ts'
import { startAria2Listener, type Aria2Listener } from './aria2-listener.ts'

let server: FaultServer
let dirs: Awaited<ReturnType<typeof makeDirs>>
let engine: TestEngine
let listener: Aria2Listener | null = null

beforeEach(async () => {
  server = await startFaultServer()
  dirs = await makeDirs()
  engine = await startEngine({ downloads: dirs.downloads, state: dirs.state })
})

afterEach(async () => {
  await listener?.close()
  listener = null
  await engine.close()
  await server.close()
  await dirs.cleanup()
})

async function until<T>(read: () => Promise<T> | T, ok: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 10_000
  for (;;) {
    const value = await read()
    if (ok(value)) return value
    if (Date.now() > deadline) throw new Error(`still ${JSON.stringify(value)}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

describe('the desktop app’s aria2 listener', () => {
  it('listens on loopback with a secret generated once and kept; a download sent by an extension appears in the engine', async () => {
    listener = startAria2Listener(engine, { port: 0 })
    const url = await until(
      () => listener!.url(),
      (u) => u !== null,
    )
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/jsonrpc$/)
    const { aria2RpcSecret: secret } = (await engine.snapshot()).settings
    expect(secret).toMatch(/^[\w-]{32}$/)
    server.file('/from-browser.bin', makeBody(10_000, 1))
    const gid = await new Aria2TestClient(url!, secret).call<string>(
      'aria2.addUri',
      [server.url('/from-browser.bin')],
      {
        header: ['Cookie: session=1'],
      },
    )
    expect(gid).toMatch(/^[0-9a-f]{16}$/)
    const added = (await engine.snapshot()).downloads
    expect(added.map((d) => d.url)).toEqual([server.url('/from-browser.bin')])
    await engine.waitFor(added[0]!.id, ['completed'])
    expect(server.requests('/from-browser.bin')[0]!.headers['cookie']).toBe('session=1')
    expect(
      (await new Aria2TestClient(url!, 'guess').post('aria2.getVersion')).body.error?.message,
    ).toBe('Unauthorized')

    await listener.close()
    await engine.close()
    engine = await startEngine({ downloads: dirs.downloads, state: dirs.state })
    listener = startAria2Listener(engine, { port: 0 })
    await until(
      () => listener!.url(),
      (u) => u !== null,
    )
    expect((await engine.snapshot()).settings.aria2RpcSecret).toBe(secret)
  })

  it('replaces a stored secret shorter than 16 characters (from before the rule), saying so', async () => {
    await engine.close()
    await writeFile(
      join(dirs.state, 'settings.json'),
      JSON.stringify({ version: 1, settings: { aria2RpcSecret: 'ab' } }),
    )
    engine = await startEngine({ downloads: dirs.downloads, state: dirs.state })
    expect((await engine.snapshot()).settings.aria2RpcSecret).toBe('ab')
    const logged: string[] = []
    listener = startAria2Listener(engine, { port: 0, log: (line) => logged.push(line) })
    const url = await until(
      () => listener!.url(),
      (u) => u !== null,
    )
    const { aria2RpcSecret: secret } = (await engine.snapshot()).settings
    expect(secret).toMatch(/^[\w-]{32}$/)
    expect(logged).toEqual([
      'the aria2 RPC secret was too short to keep out guessing pages; a new one was made',
    ])
    expect(await new Aria2TestClient(url!, secret).call('aria2.getGlobalStat')).toMatchObject({
      numActive: '0',
    })
  })

  it('follows the setting: off closes the port, on opens it again with the same secret', async () => {
    listener = startAria2Listener(engine, { port: 0 })
    const url = await until(
      () => listener!.url(),
      (u) => u !== null,
    )
    const { aria2RpcSecret: secret } = (await engine.snapshot()).settings
    await engine.updateSettings({ aria2RpcEnabled: false })
    await listener.settled()
    expect(listener.url()).toBeNull()
    await expect(fetch(url!, { method: 'POST', body: '{}' })).rejects.toThrow()
    await engine.updateSettings({ aria2RpcEnabled: true })
    await listener.settled()
    const again = listener.url()
    expect(again).not.toBeNull()
    expect(await new Aria2TestClient(again!, secret).call('aria2.getGlobalStat')).toMatchObject({
      numActive: '0',
    })
  })

  it('stays off, saying why, when the port is taken (Motrix or aria2 running); the engine runs on', async () => {
    const taken: Server = createServer()
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve))
    const port = (taken.address() as { port: number }).port
    const lines: string[] = []
    try {
      listener = startAria2Listener(engine, { port, log: (line) => lines.push(line) })
      await until(
        () => lines,
        (l) => l.length > 0,
      )
      expect(lines[0]).toMatch(/aria2 RPC for browser extensions is off: .*EADDRINUSE/)
      expect(listener.url()).toBeNull()
      expect((await engine.snapshot()).downloads).toEqual([])
    } finally {
      await new Promise((r) => taken.close(r))
    }
  })
})
