import { request } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { makeBody, startFaultServer, type FaultServer } from '../../test/fault-server.ts'
import { makeDirs } from '../../test/engine-harness.ts'
import { readControlFile } from '../engine/storage/control-file.ts'
import { makeSelfSignedCert, opensslMissing } from '../../test/self-signed-cert.ts'
import {
  connectClient,
  startServe,
  upgradeStatus,
  writeTestUi,
  type ServeProcess,
} from '../../test/run-serve.ts'
import type { DownloadSnapshot } from '../shared/protocol/model.ts'
import { waitForState } from '../../test/wait-for-state.ts'

type Reply = {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

/** node:http, so that Host and Cookie are sent exactly as given. */
function get(origin: string, path: string, headers: Record<string, string> = {}): Promise<Reply> {
  const url = new URL(origin)
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path, headers: { host: url.host, ...headers } },
      (res) => {
        let body = ''
        res.on('data', (chunk) => (body += chunk))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
      },
    )
    req.on('error', reject)
    req.end()
  })
}

function cookieOf(reply: Reply): string {
  const setCookie = reply.headers['set-cookie']?.[0] ?? ''
  return setCookie.split(';')[0]!
}

let dirs: Awaited<ReturnType<typeof makeDirs>>
let fault: FaultServer
const running: ServeProcess[] = []

beforeEach(async () => {
  dirs = await makeDirs()
  fault = await startFaultServer()
})

afterEach(async () => {
  for (const serve of running.splice(0)) {
    if (serve.child.exitCode === null && serve.child.signalCode === null) {
      serve.child.kill('SIGKILL')
      await serve.exited
    }
  }
  await fault.close()
  await dirs.cleanup()
})

async function serve(args: string[] = [], env?: Record<string, string>): Promise<ServeProcess> {
  const uiDir = await writeTestUi(join(dirs.root, 'ui'))
  const started = await startServe(['--dir', dirs.downloads, ...args], {
    state: dirs.state,
    uiDir,
    ...(env ? { env } : {}),
  })
  running.push(started)
  return started
}

describe('downpour serve (a real process)', () => {
  it('trades the token for a cookie; refuses no token, a wrong token and a foreign Host', async () => {
    const server = await serve()
    expect(server.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)

    const none = await get(server.origin, '/')
    expect(none.status).toBe(401)
    expect(none.body).toContain('?token=')
    expect((await get(server.origin, '/?token=wrong-token-0123456789')).status).toBe(401)
    expect((await get(server.origin, '/?token=')).status).toBe(401)

    const traded = await get(server.origin, `/?token=${server.token}`)
    expect(traded.status).toBe(303)
    expect(traded.headers.location).toBe('/')
    const setCookie = traded.headers['set-cookie']?.[0] ?? ''
    expect(setCookie).toMatch(/HttpOnly/)
    expect(setCookie).toMatch(/SameSite=Strict/)
    expect(setCookie).not.toContain(server.token)

    const page = await get(server.origin, '/', { cookie: cookieOf(traded) })
    expect(page.status).toBe(200)
    expect(page.body).toContain('<title>Downpour</title>')
    expect(
      (await get(server.origin, '/', { authorization: `Bearer ${server.token}` })).status,
    ).toBe(200)

    const port = new URL(server.origin).port
    for (const host of [`evil.example:${port}`, `127.0.0.1.nip.io:${port}`, 'example.com']) {
      const reply = await get(server.origin, `/?token=${server.token}`, { host })
      expect(reply.status, host).toBe(421)
      expect(reply.headers['set-cookie'], host).toBeUndefined()
    }
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`]) {
      expect((await get(server.origin, '/', { host, cookie: cookieOf(traded) })).status).toBe(200)
    }
    // The token is printed once, for the person starting it, and never logged.
    expect(server.stderr()).not.toContain(server.token)
  })

  it('refuses WebSockets without the cookie, from a foreign Origin or to a foreign Host', async () => {
    const server = await serve()
    const traded = await get(server.origin, `/?token=${server.token}`)
    const cookie = cookieOf(traded)
    const port = new URL(server.origin).port
    expect(await upgradeStatus(server.origin, {})).toBe(401)
    expect(await upgradeStatus(server.origin, { cookie: 'downpour-session-1=nope' })).toBe(401)
    expect(
      await upgradeStatus(server.origin, { authorization: 'Bearer wrong-token-0123456789' }),
    ).toBe(401)
    expect(await upgradeStatus(server.origin, { cookie, origin: 'http://evil.example' })).toBe(403)
    expect(await upgradeStatus(server.origin, { cookie, origin: 'null' })).toBe(403)
    expect(
      await upgradeStatus(server.origin, {
        cookie,
        origin: `http://127.0.0.1:${Number(port) + 1}`,
      }),
    ).toBe(403)
    expect(await upgradeStatus(server.origin, { cookie, host: `evil.example:${port}` })).toBe(421)
    expect(await upgradeStatus(server.origin, { cookie, origin: server.origin })).toBe(101)
    expect(await upgradeStatus(server.origin, { authorization: `Bearer ${server.token}` })).toBe(
      101,
    )
  })

  it('downloads over the WebSocket: add, progress beats, completion, seen by two clients', async () => {
    const body = makeBody(3 * 1024 * 1024, 7)
    fault.file('/big.bin', body, { rateLimit: 4 * 1024 * 1024 })
    const server = await serve()
    const auth = { authorization: `Bearer ${server.token}` }
    const a = await connectClient(server.origin, auth)
    const b = await connectClient(server.origin, auth)
    const beats: number[] = []
    b.client.on('progress/beat', (beat) => {
      for (const item of beat.items) beats.push(item.done)
    })
    const addedOnB = new Promise<DownloadSnapshot>((resolve) =>
      b.client.on('download/added', (e) => resolve(e.downloads[0]!)),
    )

    const result = await a.client.add([{ url: fault.url('/big.bin') }])
    expect(result.rejected).toEqual([])
    const id = result.added[0]!.id
    expect((await addedOnB).id).toBe(id)
    const [doneA, doneB] = await Promise.all([
      waitForState(a.client, id, ['completed', 'failed']),
      waitForState(b.client, id, ['completed', 'failed']),
    ])
    expect(doneA.state).toBe('completed')
    expect(doneB).toMatchObject({ id, state: 'completed', size: body.length })
    expect(beats.some((done) => done > 0 && done < body.length)).toBe(true)
    expect(await readFile(join(dirs.downloads, 'big.bin'))).toEqual(body)
    expect((await b.client.snapshot()).downloads.map((d) => d.state)).toEqual(['completed'])
    a.socket.close()
    b.socket.close()
  })

  it('answers invalid messages with an error and closes the socket on a 2 MiB message', async () => {
    const server = await serve()
    const { socket, client } = await connectClient(server.origin, {
      authorization: `Bearer ${server.token}`,
    })
    const replies: unknown[] = []
    socket.on('message', (data) => replies.push(JSON.parse(data.toString())))
    socket.send('this is not json')
    socket.send(JSON.stringify({ kind: 'call', seq: 1, method: 'add', args: [[{ url: 42 }]] }))
    await expect.poll(() => replies.length).toBeGreaterThanOrEqual(2)
    expect(replies).toContainEqual(
      expect.objectContaining({
        kind: 'reply',
        ok: false,
        error: expect.objectContaining({ code: 'DP_ERR_INVALID_ARGUMENT' }),
      }),
    )
    expect(replies).toContainEqual(expect.objectContaining({ kind: 'reply', seq: 1, ok: false }))
    // The server still works for this client after bad input.
    expect((await client.snapshot()).downloads).toEqual([])
    expect(server.stderr()).toContain('invalid message: the frame is not JSON')

    const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)))
    socket.send('x'.repeat(2 * 1024 * 1024))
    expect(await closed).toBe(1009)
  })

  it('SIGTERM mid-download exits 0 with data durable; a restart resumes without refetching', async () => {
    const size = 8 * 1024 * 1024
    const body = makeBody(size, 11)
    fault.file('/slow.bin', body, { rateLimit: 2 * 1024 * 1024 })
    const first = await serve(['-d', dirs.downloads])
    const auth = { authorization: `Bearer ${first.token}` }
    const { client, socket } = await connectClient(first.origin, auth)
    const { added } = await client.add([{ url: fault.url('/slow.bin'), maxConnections: 1 }])
    const id = added[0]!.id
    // Past the first checkpoint (1 s) so that some bytes are durable before the signal; every
    // beat until the socket closes says how many bytes the engine had received.
    let received = 0
    client.on('progress/beat', (beat) => {
      for (const item of beat.items) if (item.id === id) received = Math.max(received, item.done)
    })
    await new Promise<void>((resolve) => {
      const off = client.on('progress/beat', () => {
        if (received > 3 * 1024 * 1024) {
          off()
          resolve()
        }
      })
    })
    first.child.kill('SIGTERM')
    expect(await first.exited).toEqual({ code: 0, signal: null })
    socket.close()
    expect(first.stdout()).toContain('SIGTERM: stopping transfers')
    const servedBefore = fault.bytesServed('/slow.bin')
    // A graceful stop makes durable everything it received (what was still in the sockets'
    // buffers was never received: how much depends on how busy the machine was).
    const control = await readControlFile(join(dirs.downloads, 'slow.bin.part.downpour'))
    const durable = control.data?.durable ?? []
    expect(durable).toHaveLength(1)
    expect(durable[0]!.start).toBe(0)
    expect(durable[0]!.end).toBeGreaterThanOrEqual(received)

    // Same state folder: same token (kept in the state folder), the queue resumes by itself.
    const second = await serve()
    expect(second.token).toBe(first.token)
    const again = await connectClient(second.origin, auth)
    const done = await waitForState(again.client, id, ['completed', 'failed'])
    expect(done.state).toBe('completed')
    expect(await readFile(join(dirs.downloads, 'slow.bin'))).toEqual(body)
    // The restart asks for exactly what was not durable: nothing received is fetched twice.
    expect(servedBefore).toBeLessThan(size)
    const requests = fault.requests('/slow.bin')
    expect(requests).toHaveLength(2)
    expect(requests[1]!.range?.start).toBe(durable[0]!.end)
    expect(requests[1]!.bytesServed).toBe(size - durable[0]!.end)
    again.socket.close()
  })

  it('keeps the token it generated in the state folder, readable only by its owner', async () => {
    const first = await serve()
    const tokenFile = join(dirs.state, 'serve-token')
    expect((await readFile(tokenFile, 'utf8')).trim()).toBe(first.token)
    expect((await stat(tokenFile)).mode & 0o777).toBe(0o600)
    first.child.kill('SIGINT')
    expect((await first.exited).code).toBe(0)

    const fromEnv = await serve([], { DOWNPOUR_TOKEN: 'from-the-environment-0123' })
    expect(fromEnv.token).toBe('from-the-environment-0123')
    fromEnv.child.kill('SIGTERM')
    await fromEnv.exited
    const fromFlag = await serve(['--token', 'from-the-flag-0123456789'])
    expect(fromFlag.token).toBe('from-the-flag-0123456789')
  })

  it('binds to loopback by default and warns when asked for another address', async () => {
    const local = await serve()
    expect(local.stderr()).not.toContain('not only on this machine')
    local.child.kill('SIGTERM')
    await local.exited

    const open = await serve(['--host', '0.0.0.0'])
    expect(open.stderr()).toContain('not only on this machine')
    expect(open.stderr()).toContain('Plain HTTP')
    // The printed address still works from this machine.
    expect((await get(open.origin, `/?token=${open.token}`)).status).toBe(303)
  })

  it.skipIf(opensslMissing() !== null)(
    'serves HTTPS with --tls-cert/--tls-key, with a Secure cookie and no plain-HTTP warning',
    async () => {
      const cert = await makeSelfSignedCert(dirs.root)
      const server = await serve([
        '--host',
        '0.0.0.0',
        '--tls-cert',
        cert.certPath,
        '--tls-key',
        cert.keyPath,
      ])
      expect(server.origin).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/)
      expect(server.stderr()).toContain('not only on this machine')
      expect(server.stderr()).not.toContain('Plain HTTP')
      const url = new URL(`${server.origin}/?token=${server.token}`)
      const reply = await new Promise<{ status: number; cookie: string }>((resolve, reject) => {
        const req = httpsRequest(
          {
            host: url.hostname,
            port: url.port,
            path: `${url.pathname}${url.search}`,
            ca: cert.cert,
            servername: 'localhost',
          },
          (res) => {
            res.resume()
            resolve({ status: res.statusCode ?? 0, cookie: res.headers['set-cookie']?.[0] ?? '' })
          },
        )
        req.on('error', reject)
        req.end()
      })
      expect(reply.status).toBe(303)
      expect(reply.cookie).toContain('; Secure')
    },
  )

  it('refuses an unusable token and a lone --tls-cert with a usage error', async () => {
    const uiDir = await writeTestUi(join(dirs.root, 'ui'))
    await expect(startServe(['--token', 'short'], { state: dirs.state, uiDir })).rejects.toThrow(
      /--token: the token must be at least 16 characters/,
    )
    await expect(
      startServe(['--tls-cert', 'cert.pem'], { state: dirs.state, uiDir }),
    ).rejects.toThrow(/--tls-cert and --tls-key go together/)
  })
})
