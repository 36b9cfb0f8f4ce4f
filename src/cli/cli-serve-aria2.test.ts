import { request } from 'node:http'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { Aria2TestClient, Aria2TestSocket } from '../../test/aria2-rpc-client.ts'
import { makeDirs } from '../../test/engine-harness.ts'
import { makeBody, startFaultServer, type FaultServer } from '../../test/fault-server.ts'
import { startServe, writeTestUi, type ServeProcess } from '../../test/run-serve.ts'

let server: FaultServer
let dirs: Awaited<ReturnType<typeof makeDirs>>
let serve: ServeProcess | null = null

beforeEach(async () => {
  server = await startFaultServer()
  dirs = await makeDirs()
})

afterEach(async () => {
  if (serve && serve.child.exitCode === null) {
    serve.child.kill('SIGTERM')
    await serve.exited
  }
  serve = null
  await server.close()
  await dirs.cleanup()
})

/** POSTs `{` with this Host header (node:http sends it as given); resolves the status. */
function postStatus(url: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { Host: host } }, (res) => {
      res.resume()
      resolve(res.statusCode!)
    })
    req.on('error', reject)
    req.end('{')
  })
}

/** The line serve prints for aria2 clients; its address is the first group. */
const RPC_LINE = /aria2 RPC \(AriaNg, browser extensions, aria2p\): ([^\s,]+), secret/

async function start(args: string[] = []): Promise<ServeProcess> {
  const uiDir = await writeTestUi(`${dirs.root}/ui`)
  serve = await startServe(['--dir', dirs.downloads, ...args], { state: dirs.state, uiDir })
  return serve
}

describe('downpour serve answers aria2 JSON-RPC', () => {
  it('at /jsonrpc on its own port with its token as the secret: add over HTTP, notified over WebSocket, Host checked', async () => {
    const s = await start()
    const [, printed] = await s.waitForStdout(RPC_LINE)
    expect(printed).toBe(`${s.origin}/jsonrpc`)
    const client = new Aria2TestClient(`${s.origin}/jsonrpc`, s.token)
    const socket = await Aria2TestSocket.open(`${s.origin}/jsonrpc`)
    try {
      // Notifications go to sockets that have shown the secret (as AriaNg does first).
      await socket.request({ method: 'aria2.getVersion', params: [`token:${s.token}`] })
      server.file('/served.bin', makeBody(50_000, 1))
      const gid = await client.call<string>('aria2.addUri', [server.url('/served.bin')])
      await socket.waitFor('aria2.onDownloadComplete', gid)
      expect(await client.call('aria2.tellStatus', gid, ['status', 'completedLength'])).toEqual({
        status: 'complete',
        completedLength: '50000',
      })
      const wrong = await new Aria2TestClient(`${s.origin}/jsonrpc`, 'nope').post(
        'aria2.tellActive',
      )
      expect([wrong.status, wrong.body.error?.message]).toEqual([400, 'Unauthorized'])
      expect(await postStatus(`${s.origin}/jsonrpc`, 'evil.example')).toBe(421)
      expect(await postStatus(`${s.origin}/jsonrpc`, new URL(s.origin).host)).toBe(500)
    } finally {
      socket.close()
    }
  })

  it('on --rpc-port with --rpc-secret; aria2.shutdown stops the server with exit 0', async () => {
    const s = await start(['--rpc-port', '0', '--rpc-secret', 'other-secret-of-24-chars'])
    const url = (await s.waitForStdout(RPC_LINE))[1]!
    expect(url).not.toBe(`${s.origin}/jsonrpc`)
    const client = new Aria2TestClient(url, 'other-secret-of-24-chars')
    expect(await client.call('aria2.getGlobalStat')).toMatchObject({ numActive: '0' })
    expect(
      (await new Aria2TestClient(url, s.token).post('aria2.getGlobalStat')).body.error?.message,
    ).toBe('Unauthorized')
    expect(await client.call('aria2.shutdown')).toBe('OK')
    expect(await s.exited).toEqual({ code: 0, signal: null })
  })

  it('survives what crashed it: a 6,000-deep id over WebSocket and HTTP, an oversized frame; then serves on', async () => {
    const s = await start()
    const url = `${s.origin}/jsonrpc`
    const deep = `{"id":${'['.repeat(6000)}${']'.repeat(6000)},"method":"x"}`
    const ws = new WebSocket(url.replace(/^http/, 'ws'))
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject))
    const answer = new Promise((resolve) =>
      ws.once('message', (d) => resolve(JSON.parse(String(d)))),
    )
    ws.send(deep)
    expect(await answer).toEqual({
      id: null,
      jsonrpc: '2.0',
      error: { code: -32600, message: 'Invalid Request.' },
    })
    const closed = new Promise((resolve) => ws.once('close', resolve))
    ws.send('x'.repeat(5 * 1024 * 1024))
    await closed
    const http = await new Aria2TestClient(url, s.token).raw(deep)
    expect([http.status, http.body.error?.code]).toEqual([400, -32600])
    expect(await new Aria2TestClient(url, s.token).call('aria2.getGlobalStat')).toMatchObject({
      numActive: '0',
    })
    expect(s.child.exitCode).toBe(null)
    expect(s.stderr()).not.toMatch(/unexpected/)
  })

  it('refuses an --rpc-secret shorter than 16 characters, saying the rule', async () => {
    await expect(start(['--rpc-secret', 'fifteen-chars15'])).rejects.toThrow(
      /exited \(28\)[\s\S]*--rpc-secret: the aria2 RPC secret must be at least 16 characters long \(it has 15\)/,
    )
  })

  it('not at all with --no-rpc', async () => {
    const s = await start(['--no-rpc'])
    expect(s.stdout()).not.toContain('aria2 RPC')
    const res = await fetch(`${s.origin}/jsonrpc`, { method: 'POST', body: '{}' })
    expect(res.status).toBe(401)
  })
})
