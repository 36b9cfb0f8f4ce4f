import { existsSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { Aria2TestClient, Aria2TestSocket } from '../../../test/aria2-rpc-client.ts'
import { makeBody, startFaultServer } from '../../../test/fault-server.ts'
import { makeDirs, startEngine, type TestEngine } from '../../../test/engine-harness.ts'
import { AuthThrottle } from './aria2-auth-throttle.ts'
import { MAX_BATCH_CALLS } from './aria2-dispatch.ts'
import { encodeReply, MAX_REPLY_BYTES } from './aria2-endpoint.ts'
import { createAria2RpcServer, type Aria2RpcServer } from './aria2-rpc-server.ts'

/**
 * What a web page without the secret can send to the endpoint: each of these once crashed the
 * process or made it answer with far more memory than it was sent.
 */

const SECRET = 'a-secret-of-24-characters'
let dirs: Awaited<ReturnType<typeof makeDirs>>
let engine: TestEngine
let rpc: Aria2RpcServer
let client: Aria2TestClient
let logged: string[]
/** The throttle's clock: tests move it instead of waiting. */
const clock = { now: 0 }

beforeEach(async () => {
  clock.now = 1_000_000
  dirs = await makeDirs()
  engine = await startEngine({ downloads: dirs.downloads, state: dirs.state })
  logged = []
  rpc = await createAria2RpcServer({
    engine,
    secret: SECRET,
    port: 0,
    unauthorizedDelayMs: 0,
    authThrottle: new AuthThrottle({ now: () => clock.now }),
    log: (line) => logged.push(line),
  })
  client = new Aria2TestClient(rpc.url, SECRET)
})

afterEach(async () => {
  await rpc.close()
  await engine.close()
  await dirs.cleanup()
})

const DEPTH = 6000
const deepId = `{"jsonrpc":"2.0","id":${'['.repeat(DEPTH)}${']'.repeat(DEPTH)},"method":"aria2.getVersion"}`
const INVALID = { id: null, jsonrpc: '2.0', error: { code: -32600, message: 'Invalid Request.' } }

function openSocket(url: string): Promise<WebSocket> {
  const ws = new WebSocket(url.replace(/^http/, 'ws'))
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws))
    ws.once('error', reject)
  })
}

function nextMessage(ws: WebSocket): Promise<unknown> {
  return new Promise((resolve, reject) => {
    ws.once('message', (data) => resolve(JSON.parse(String(data))))
    ws.once('close', (code) => reject(new Error(`closed with ${code} before an answer`)))
  })
}

function closed(ws: WebSocket): Promise<number> {
  return new Promise((resolve) => ws.once('close', (code) => resolve(code)))
}

describe('hostile input to /jsonrpc', () => {
  it('answers a hostile batch of 107,000 calls with one small error; memory stays bounded', async () => {
    // The amplification of the audit: 4 MiB of system.listMethods (no secret needed) once made a
    // 79 MB answer and took the server from 112 to 650 MB. Two in parallel here.
    const call = '{"jsonrpc":"2.0","id":1,"method":"system.listMethods"},'
    const batch = `[${call.repeat(Math.floor((4 * 1024 * 1024 - 2) / call.length)).slice(0, -1)}]`
    expect(batch.length).toBeLessThanOrEqual(4 * 1024 * 1024)
    const peakBefore = process.resourceUsage().maxRSS
    const answers = await Promise.all([client.raw(batch), client.raw(batch)])
    const growthMiB = (process.resourceUsage().maxRSS - peakBefore) / 1024
    for (const answer of answers) {
      expect(answer.status).toBe(400)
      expect(answer.body).toEqual({
        id: null,
        jsonrpc: '2.0',
        error: {
          code: -32600,
          message: `Invalid Request. A batch may hold at most ${MAX_BATCH_CALLS} calls, system.multicall entries included.`,
        },
      })
    }
    // Loose on purpose (a noisy machine, the test process is the server): the old answer
    // alone was 160 MB of text for these two.
    expect(growthMiB).toBeLessThan(150)
    // A batch at the cap is still answered call by call.
    const allowed = `[${call.repeat(MAX_BATCH_CALLS).slice(0, -1)}]`
    const ok = await client.raw(allowed)
    expect(ok.status).toBe(200)
    expect(ok.body).toHaveLength(MAX_BATCH_CALLS)
  })

  it('writes no answer over 32 MiB: a small error asks for less instead', () => {
    const big = { id: 1, jsonrpc: '2.0', result: 'x'.repeat(MAX_REPLY_BYTES) }
    const [status, text] = encodeReply({ status: 200, body: big })
    expect(status).toBe(400)
    expect(JSON.parse(text)).toEqual({
      id: null,
      jsonrpc: '2.0',
      error: {
        code: 1,
        message:
          'The answer would be larger than 32 MiB: ask for fewer calls, downloads or keys at once.',
      },
    })
    const fits = { id: 1, jsonrpc: '2.0', result: 'x'.repeat(1000) }
    expect(encodeReply({ status: 200, body: fits })).toEqual([200, JSON.stringify(fits)])
  })

  it('caps system.multicall at the same length, with one error naming the cap', async () => {
    const calls = Array.from({ length: MAX_BATCH_CALLS + 1 }, () => ({
      methodName: 'system.listNotifications',
      params: [],
    }))
    const answer = await client.raw({
      jsonrpc: '2.0',
      id: 'm',
      method: 'system.multicall',
      params: [calls],
    })
    expect(answer.body.error).toEqual({
      code: 1,
      message: `system.multicall may hold at most ${MAX_BATCH_CALLS} calls.`,
    })
    const within = await client.raw({
      jsonrpc: '2.0',
      id: 'm',
      method: 'system.multicall',
      params: [calls.slice(1)],
    })
    expect(within.body.result).toHaveLength(MAX_BATCH_CALLS)
    // Nor can a batch of multicalls go round the cap: their entries count.
    const nested = Array.from({ length: 11 }, (_, i) => ({
      jsonrpc: '2.0',
      id: i,
      method: 'system.multicall',
      params: [calls.slice(0, 100)],
    }))
    const refused = await client.raw(nested)
    expect([refused.status, refused.body.error?.code]).toEqual([400, -32600])
    expect((await client.raw(nested.slice(1))).body).toHaveLength(10)
  })

  it('answers a 6,000-deep id over WebSocket with Invalid Request and id null, and serves on', async () => {
    const ws = await openSocket(rpc.url)
    try {
      const answer = nextMessage(ws)
      ws.send(deepId)
      expect(await answer).toEqual(INVALID)
      // In a batch, and with a secret: the same.
      const batch = nextMessage(ws)
      ws.send(
        `[${deepId.replace('"aria2.getVersion"', `"aria2.getVersion","params":["token:${SECRET}"]`)}]`,
      )
      expect(await batch).toEqual([INVALID])
      const version = nextMessage(ws)
      ws.send(
        JSON.stringify({
          jsonrpc: '2.0',
          id: 'v',
          method: 'aria2.getVersion',
          params: [`token:${SECRET}`],
        }),
      )
      expect(await version).toMatchObject({ id: 'v', result: { version: expect.any(String) } })
    } finally {
      ws.close()
    }
    expect(await client.call('aria2.getGlobalStat')).toMatchObject({ numActive: '0' })
    expect(logged).toEqual([])
  })

  it('answers a 6,000-deep id over HTTP POST, and ids that are objects or booleans, with Invalid Request', async () => {
    const answer = await client.raw(deepId)
    expect([answer.status, answer.body]).toEqual([400, INVALID])
    for (const id of [{ a: 1 }, true, [1]]) {
      const odd = await client.raw({ jsonrpc: '2.0', id, method: 'aria2.getVersion' })
      expect([odd.status, odd.body]).toEqual([400, INVALID])
    }
    // Strings, numbers and null stay valid ids.
    for (const id of ['x', 3.5, null]) {
      const fine = await client.raw({
        jsonrpc: '2.0',
        id,
        method: 'aria2.getVersion',
        params: [`token:${SECRET}`],
      })
      expect(fine.body).toMatchObject({ id, result: { version: expect.any(String) } })
    }
  })

  it('answers a GET over 16 KiB (a base64 batch in the address) with a JSON-RPC error, not a reset', async () => {
    const res = await fetch(`${rpc.url}?params=${'W1tb'.repeat(5000)}`)
    expect(res.status).toBe(431)
    expect(res.headers.get('access-control-allow-origin')).toBe('*')
    expect(await res.json()).toMatchObject({ id: null, error: { code: -32600 } })
  })

  it('closes a socket that sends an oversized frame or invalid UTF-8, and serves on', async () => {
    const big = await openSocket(rpc.url)
    const bigClosed = closed(big)
    big.send(`"${'x'.repeat(4 * 1024 * 1024 + 10)}"`)
    expect(await bigClosed).toBe(1009)
    const bad = await openSocket(rpc.url)
    const badClosed = closed(bad)
    bad.send(Buffer.from([0x22, 0xff, 0xfe, 0x22]), { binary: false })
    expect(await badClosed).toBe(1007)
    expect(await client.call('aria2.getGlobalStat')).toMatchObject({ numActive: '0' })
  })
})

const LOCKED =
  /^Unauthorized: too many wrong secrets in a short time; every secret is refused for \d+ s more$/

function guess(id: number, secret: string) {
  return { jsonrpc: '2.0', id, method: 'aria2.getVersion', params: [`token:${secret}`] }
}

describe('guessing the secret', () => {
  it('in one batch: the 10th wrong secret locks every secret out, the right one at the end included', async () => {
    const batch = Array.from({ length: 999 }, (_, i) => guess(i, `guess-${i}`))
    batch.push(guess(999, SECRET))
    const answer = await client.raw(batch)
    const messages = (answer.body as unknown as { error?: { message: string } }[]).map(
      (b) => b.error?.message,
    )
    expect(messages.slice(0, 10)).toEqual(Array(10).fill('Unauthorized'))
    for (const message of messages.slice(10)) expect(message).toMatch(LOCKED)
    // Over another door (WebSocket) too, until the lockout ends.
    const ws = await openSocket(rpc.url)
    try {
      const locked = nextMessage(ws)
      ws.send(JSON.stringify(guess(1, SECRET)))
      expect(await locked).toMatchObject({ error: { code: 1, message: LOCKED } })
    } finally {
      ws.close()
    }
    clock.now += 10_000
    expect(await client.call('aria2.getGlobalStat')).toMatchObject({ numActive: '0' })
  })

  it('across parallel sockets: guesses from many sockets count together', async () => {
    const sockets = await Promise.all(Array.from({ length: 5 }, () => openSocket(rpc.url)))
    try {
      const answers = sockets.map((ws) => nextMessage(ws))
      sockets.forEach((ws, s) =>
        ws.send(JSON.stringify([0, 1, 2].map((i) => guess(i, `socket-${s}-guess-${i}`)))),
      )
      const all = (await Promise.all(answers)).flat() as { error: { message: string } }[]
      expect(all.filter((a) => a.error.message === 'Unauthorized')).toHaveLength(10)
      expect(all.filter((a) => LOCKED.test(a.error.message))).toHaveLength(5)
    } finally {
      for (const ws of sockets) ws.close()
    }
    const right = await client.post('aria2.getGlobalStat')
    expect(right.body.error?.message).toMatch(LOCKED)
    // A call without any secret is a client not set up yet, not a guess: it is not counted.
    clock.now += 10_000
    for (let i = 0; i < 20; i++)
      await client.raw({ jsonrpc: '2.0', id: i, method: 'aria2.getVersion' })
    expect(await client.call('aria2.getGlobalStat')).toMatchObject({ numActive: '0' })
  })

  it('property: the right secret in a batch of guesses is taken only when fewer than 10 wrong ones came before it', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 0, max: 60 }),
        async (before, after) => {
          // An hour later: every earlier lockout has ended and been forgotten.
          clock.now += 3_600_000
          const batch = [
            ...Array.from({ length: before }, (_, i) => guess(i, `wrong-${i}`)),
            guess(-1, SECRET),
            ...Array.from({ length: after }, (_, i) => guess(1000 + i, `wrong-${i}`)),
          ]
          const answer = (await client.raw(batch)).body as unknown as {
            id: number
            result?: unknown
          }[]
          const right = answer.find((a) => a.id === -1)!
          expect(right.result !== undefined).toBe(before < 10)
        },
      ),
      { numRuns: 40 },
    )
  })
})

describe('notifications', () => {
  it('reach only sockets that have made a call with the right secret', async () => {
    const files = await startFaultServer()
    const silent = await Aria2TestSocket.open(rpc.url)
    const wrong = await Aria2TestSocket.open(rpc.url)
    const trusted = await Aria2TestSocket.open(rpc.url)
    try {
      await wrong.request({ method: 'aria2.getVersion', params: ['token:not-the-secret-at-all'] })
      await trusted.request({ method: 'aria2.getVersion', params: [`token:${SECRET}`] })
      files.file('/n.bin', makeBody(10_000, 1))
      const gid = await client.call<string>('aria2.addUri', [files.url('/n.bin')])
      await trusted.waitFor('aria2.onDownloadComplete', gid)
      // Frames on one socket arrive in order: an answer asked for now comes after any
      // notification already sent to that socket.
      for (const ws of [silent, wrong]) {
        ws.send('{')
        expect((await ws.nextUnmatched()).error?.code).toBe(-32700)
        expect(ws.notifications).toEqual([])
      }
      expect(trusted.notifications.map((n) => n.method)).toEqual([
        'aria2.onDownloadStart',
        'aria2.onDownloadComplete',
      ])
    } finally {
      for (const ws of [silent, wrong, trusted]) ws.close()
      await files.close()
    }
  })
})

describe('where RPC clients may write', () => {
  it('refuses dir inside a hidden home folder or a system folder, naming the rule; nothing is added or created', async () => {
    const hidden = join(homedir(), `.downpour-rpc-test-${process.pid}`, 'autostart')
    const into = await client.post('aria2.addUri', ['http://127.0.0.1:9/evil.desktop'], {
      dir: hidden,
      out: 'evil.desktop',
    })
    expect(into.body.error).toEqual({
      code: 1,
      message:
        `dir ${JSON.stringify(hidden)} is refused: aria2 RPC clients may not write into folders ` +
        `hidden in the home folder (".downpour-rpc-test-${process.pid}" here); choose that folder in Downpour itself`,
    })
    expect(existsSync(join(hidden, '..'))).toBe(false)
    const system = await client.post('aria2.addUri', ['http://127.0.0.1:9/x'], {
      dir: '/etc/cron.d',
    })
    expect(system.body.error?.message).toMatch(/system folders \("\/etc" here\)/)
    expect((await engine.snapshot()).downloads).toEqual([])
    const global = await client.post('aria2.changeGlobalOption', { dir: '/usr/local/bin' })
    expect(global.body.error?.message).toMatch(/system folders \("\/usr" here\)/)
    expect((await engine.snapshot()).settings.defaultDir).toBe(dirs.downloads)
    // Ordinary folders (missing ones included) are taken as aria2 takes them.
    const fine = join(dirs.root, 'from-rpc', 'new')
    await client.call('aria2.addUri', ['http://127.0.0.1:9/ok.bin'], { dir: fine, pause: 'true' })
    expect((await engine.snapshot()).downloads.map((d) => d.dir)).toEqual([fine])
  })
})
