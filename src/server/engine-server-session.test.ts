import { request } from 'node:http'
import WebSocket from 'ws'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { makeDirs, startEngine, type TestEngine } from '../../test/engine-harness.ts'
import { startTestServer, upgradeStatus } from '../../test/run-serve.ts'
import { sessionCookieName } from './access-policy.ts'
import { LOGOUT_PATH, SESSION_ENDED_CLOSE_CODE, type EngineServer } from './engine-server.ts'
import type { SessionStoreOptions } from './session-store.ts'

const token = 'engine-server-session-token'

type Reply = { status: number; setCookie: string | undefined }

function send(
  origin: string,
  path: string,
  options: { method?: string; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const url = new URL(origin)
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path,
        method: options.method ?? 'GET',
        headers: { host: url.host, ...options.headers },
      },
      (res) => {
        res.resume()
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, setCookie: res.headers['set-cookie']?.[0] }),
        )
      },
    )
    req.on('error', reject)
    req.end()
  })
}

let dirs: Awaited<ReturnType<typeof makeDirs>>
let engine: TestEngine
const servers: EngineServer[] = []

beforeEach(async () => {
  dirs = await makeDirs()
  engine = await startEngine({ downloads: dirs.downloads, state: dirs.state })
})

afterEach(async () => {
  for (const server of servers.splice(0)) await server.close()
  await engine.close()
  await dirs.cleanup()
})

async function start(sessions?: SessionStoreOptions, port = 0): Promise<EngineServer> {
  const server = await startTestServer(engine, dirs.root, token, {
    port,
    ...(sessions ? { sessions } : {}),
  })
  servers.push(server)
  return server
}

async function signIn(server: EngineServer): Promise<string> {
  const reply = await send(server.origin, `/?token=${token}`)
  expect(reply.status).toBe(303)
  return reply.setCookie!.split(';')[0]!
}

function openSocket(server: EngineServer, cookie: string): Promise<WebSocket> {
  const ws = new WebSocket(`${server.origin.replace(/^http/, 'ws')}/api`, {
    headers: { cookie, origin: server.origin },
  })
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws))
    ws.once('error', reject)
  })
}

function closed(ws: WebSocket): Promise<number> {
  return new Promise((resolve) => ws.once('close', (code) => resolve(code)))
}

describe('serve sessions', () => {
  it('gives each sign-in its own random cookie, none derived from the token', async () => {
    const server = await start()
    const a = await signIn(server)
    const b = await signIn(server)
    expect(a).not.toBe(b)
    expect(a.startsWith(`${sessionCookieName(server.port)}=`)).toBe(true)
    expect((await send(server.origin, '/', { headers: { cookie: a } })).status).toBe(200)
    expect((await send(server.origin, '/', { headers: { cookie: b } })).status).toBe(200)
  })

  it('does not know the cookies of another server run with the same token (a restart)', async () => {
    const first = await start()
    const cookie = await signIn(first)
    const port = first.port
    await first.close()
    servers.splice(servers.indexOf(first), 1)
    const second = await start(undefined, port)
    const renamed = cookie.replace(/^[^=]+/, sessionCookieName(second.port))
    expect((await send(second.origin, '/', { headers: { cookie: renamed } })).status).toBe(401)
    expect(await upgradeStatus(second.origin, { cookie: renamed })).toBe(401)
  })

  it('signs out with POST /logout: the cookie is cleared, refused after, its sockets closed', async () => {
    const server = await start()
    const cookie = await signIn(server)
    const other = await signIn(server)
    const ws = await openSocket(server, cookie)
    const otherWs = await openSocket(server, other)
    const code = closed(ws)

    const reply = await send(server.origin, LOGOUT_PATH, {
      method: 'POST',
      headers: { cookie, origin: server.origin },
    })
    expect(reply.status).toBe(204)
    expect(reply.setCookie).toMatch(/=; HttpOnly; SameSite=Strict; Path=\/; Max-Age=0$/)
    expect(await code).toBe(SESSION_ENDED_CLOSE_CODE)
    expect((await send(server.origin, '/', { headers: { cookie } })).status).toBe(401)
    expect(await upgradeStatus(server.origin, { cookie, origin: server.origin })).toBe(401)
    // Another browser's session is not touched.
    expect(otherWs.readyState).toBe(WebSocket.OPEN)
    expect((await send(server.origin, '/', { headers: { cookie: other } })).status).toBe(200)
    otherWs.close()
  })

  it('refuses a sign-out from another origin (cookies reach every 127.0.0.1 port) and GETs', async () => {
    const server = await start()
    const cookie = await signIn(server)
    const port = server.port
    for (const origin of [`http://127.0.0.1:${port + 1}`, 'http://evil.example', 'null']) {
      const reply = await send(server.origin, LOGOUT_PATH, {
        method: 'POST',
        headers: { cookie, origin },
      })
      expect(reply.status, origin).toBe(403)
    }
    expect((await send(server.origin, LOGOUT_PATH, { headers: { cookie } })).status).toBe(405)
    expect((await send(server.origin, '/', { headers: { cookie } })).status).toBe(200)
  })

  it('expires idle sessions; an open socket keeps its session, expiry closes the socket', async () => {
    const clock = { now: 1_000_000 }
    const server = await start({ idleMs: 1000, absoluteMs: 10_000, now: () => clock.now })
    const idle = await signIn(server)
    const held = await signIn(server)
    const ws = await openSocket(server, held)
    clock.now += 5000
    server.sweepSessions()
    expect((await send(server.origin, '/', { headers: { cookie: idle } })).status).toBe(401)
    expect(ws.readyState).toBe(WebSocket.OPEN)
    expect((await send(server.origin, '/', { headers: { cookie: held } })).status).toBe(200)

    const code = closed(ws)
    clock.now += 5000 // 10 s after sign-in: the absolute limit ends even a session in use
    server.sweepSessions()
    expect(await code).toBe(SESSION_ENDED_CLOSE_CODE)
    expect((await send(server.origin, '/', { headers: { cookie: held } })).status).toBe(401)
  })
})
