import { createHash } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'
import { connect } from 'node:net'
import { gunzipSync } from 'node:zlib'
import { Agent, request } from 'undici'
import type { Dispatcher } from 'undici'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { makeBody, startFaultServer } from './fault-server.ts'
import type { FaultServer } from './fault-server.ts'

const KiB = 1024
const MiB = 1024 * KiB

let server: FaultServer
let agent: Agent

beforeEach(async () => {
  server = await startFaultServer()
  agent = new Agent()
})

afterEach(async () => {
  await agent.destroy()
  await server.close()
})

type Options = {
  method?: 'GET' | 'HEAD'
  headers?: Record<string, string>
  bodyTimeout?: number
  headersTimeout?: number
  dispatcher?: Dispatcher
  signal?: AbortSignal
}

type Response = { status: number; headers: IncomingHttpHeaders; body: Buffer }

async function get(path: string, options: Options = {}): Promise<Response> {
  const res = await request(server.url(path), { dispatcher: agent, ...options })
  const body = Buffer.from(await res.body.arrayBuffer())
  return { status: res.statusCode, headers: res.headers, body }
}

/** Reads a body to its end or its error, counting the bytes that arrived. */
async function readAll(body: AsyncIterable<Buffer>): Promise<{ bytes: number; error?: unknown }> {
  let bytes = 0
  try {
    for await (const chunk of body) bytes += chunk.length
    return { bytes }
  } catch (error) {
    return { bytes, error }
  }
}

/** Sends raw bytes over a fresh TCP connection and returns everything received until FIN. */
async function rawExchange(requestText: string): Promise<Buffer> {
  const socket = connect(Number(new URL(server.origin).port), '127.0.0.1')
  socket.end(requestText)
  const chunks: Buffer[] = []
  for await (const chunk of socket) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex')

describe('files', () => {
  it('serves the full body with validators; HEAD sends the same head without a body', async () => {
    const body = makeBody(3 * MiB + 17)
    server.file('/f.bin', body, { contentType: 'application/x-test' })

    const res = await get('/f.bin')
    expect(res.status).toBe(200)
    expect(sha256(res.body)).toBe(sha256(body))
    expect(res.headers['content-length']).toBe(String(body.length))
    expect(res.headers['accept-ranges']).toBe('bytes')
    expect(res.headers['content-type']).toBe('application/x-test')
    expect(res.headers.etag).toMatch(/^"[0-9a-f]{16}"$/)
    expect(res.headers['last-modified']).toBe('Wed, 01 Jan 2025 00:00:00 GMT')

    const head = await get('/f.bin', { method: 'HEAD' })
    expect(head.status).toBe(200)
    expect(head.body.length).toBe(0)
    for (const name of [
      'content-length',
      'accept-ranges',
      'etag',
      'last-modified',
      'content-type',
    ]) {
      expect(head.headers[name]).toBe(res.headers[name])
    }

    expect(server.bytesServed('/f.bin')).toBe(body.length)
    expect(server.requests('/f.bin').map((r) => [r.method, r.path, r.status])).toEqual([
      ['GET', '/f.bin', 200],
      ['HEAD', '/f.bin', 200],
    ])
    expect(server.requests()[0]?.connectionId).toBe(1)
  })

  it('answers single ranges with 206 and exact Content-Range/Content-Length', async () => {
    const body = makeBody(10_000)
    server.file('/r', body)
    const cases: [string, number, number][] = [
      ['bytes=100-199', 100, 199],
      ['bytes=9000-', 9000, 9999],
      ['bytes=-300', 9700, 9999],
      ['bytes=9990-20000', 9990, 9999],
      ['bytes=0-0', 0, 0],
    ]
    for (const [range, start, end] of cases) {
      const res = await get('/r', { headers: { range } })
      expect(res.status, range).toBe(206)
      expect(res.headers['content-range'], range).toBe(`bytes ${start}-${end}/10000`)
      expect(res.headers['content-length'], range).toBe(String(end - start + 1))
      expect(res.body.equals(body.subarray(start, end + 1)), range).toBe(true)
    }
    expect(server.requests('/r').map((r) => r.range)).toEqual([
      { start: 100, end: 199 },
      { start: 9000 },
      { start: -300 },
      { start: 9990, end: 20000 },
      { start: 0, end: 0 },
    ])

    const multi = await get('/r', { headers: { range: 'bytes=0-10,20-30' } })
    expect(multi.status).toBe(200)
    expect(multi.body.length).toBe(10_000)
  })

  it('answers unsatisfiable ranges with 416 and Content-Range bytes */TOTAL', async () => {
    server.file('/r', makeBody(1000))
    for (const range of ['bytes=1000-', 'bytes=5000-6000', 'bytes=-0']) {
      const res = await get('/r', { headers: { range } })
      expect(res.status, range).toBe(416)
      expect(res.headers['content-range'], range).toBe('bytes */1000')
      expect(res.body.length).toBe(0)
    }
  })

  it('honours If-Range only when it matches the current strong ETag or Last-Modified', async () => {
    const v1 = makeBody(50_000, 1)
    server.file('/doc', v1)
    const { headers } = await get('/doc', { method: 'HEAD' })
    const etag = String(headers.etag)
    const lastModified = String(headers['last-modified'])

    const partial = (ifRange: string): Promise<Response> =>
      get('/doc', { headers: { range: 'bytes=1000-', 'if-range': ifRange } })

    const byEtag = await partial(etag)
    expect(byEtag.status).toBe(206)
    expect(byEtag.body.equals(v1.subarray(1000))).toBe(true)
    expect((await partial(lastModified)).status).toBe(206)
    expect((await partial('"something-else"')).status).toBe(200)
    expect((await partial(`W/${etag}`)).status).toBe(200) // weak never matches (§13.1.5)
    expect((await partial('Thu, 02 Jan 2025 00:00:00 GMT')).status).toBe(200)

    // The file changes on the server: the old validators no longer match, so 200 + new body.
    const v2 = makeBody(60_000, 2)
    server.replace('/doc', v2)
    for (const validator of [etag, lastModified]) {
      const res = await partial(validator)
      expect(res.status).toBe(200)
      expect(res.body.equals(v2)).toBe(true)
      expect(res.headers.etag).not.toBe(etag)
      expect(Date.parse(String(res.headers['last-modified']))).toBeGreaterThan(
        Date.parse(lastModified),
      )
    }
  })

  it('advertiseRanges: false sends no Accept-Ranges but still answers Range with 206', async () => {
    const body = makeBody(5000)
    server.file('/quiet', body, { advertiseRanges: false })
    const res = await get('/quiet', { headers: { range: 'bytes=100-199' } })
    expect(res.status).toBe(206)
    expect(res.headers['accept-ranges']).toBeUndefined()
    expect(res.headers['content-range']).toBe('bytes 100-199/5000')
    expect(res.body.equals(body.subarray(100, 200))).toBe(true)
  })

  it('ignoreIfRange: a changed file is still served as 206 (its new validators tell)', async () => {
    const v1 = makeBody(5000, 1)
    const v2 = makeBody(5000, 2)
    server.file('/cdn', v1, { etag: null, ignoreIfRange: true })
    const first = await get('/cdn')
    server.replace('/cdn', v2, { etag: null })
    const res = await get('/cdn', {
      headers: { range: 'bytes=100-', 'if-range': String(first.headers['last-modified']) },
    })
    expect(res.status).toBe(206)
    expect(res.body.equals(v2.subarray(100))).toBe(true)
    expect(res.headers['last-modified']).not.toBe(first.headers['last-modified'])
  })

  it('interim: writes 100, 102 and 103 responses before the final one', async () => {
    const body = makeBody(100)
    server.file('/interim', body, { interim: [100, 102, 103] })
    const text = (
      await rawExchange('GET /interim HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
    ).toString('latin1')
    const statuses = [...text.matchAll(/^HTTP\/1\.1 (\d{3})/gm)].map((m) => Number(m[1]))
    expect(statuses).toEqual([100, 102, 103, 200])
    expect(text).toMatch(/^link: <\/style\.css>; rel=preload; as=style\r$/im)
  })

  it('acceptRanges: false and ignoreRange answer Range requests with 200 full', async () => {
    const body = makeBody(5000)
    server.file('/none', body, { acceptRanges: false, etag: null, lastModified: null })
    server.file('/ignored', body, { ignoreRange: true })

    const none = await get('/none', { headers: { range: 'bytes=100-' } })
    expect(none.status).toBe(200)
    expect(none.headers['accept-ranges']).toBeUndefined()
    expect(none.headers.etag).toBeUndefined()
    expect(none.headers['last-modified']).toBeUndefined()
    expect(none.body.equals(body)).toBe(true)

    const ignored = await get('/ignored', { headers: { range: 'bytes=100-' } })
    expect(ignored.status).toBe(200)
    expect(ignored.headers['accept-ranges']).toBe('bytes')
    expect(ignored.body.equals(body)).toBe(true)
  })

  it('chunked: no Content-Length, Transfer-Encoding chunked, ranges ignored', async () => {
    const body = makeBody(300_000)
    server.file('/c', body, { chunked: true, chunkSize: 10_000 })
    const res = await get('/c', { headers: { range: 'bytes=10-' } })
    expect(res.status).toBe(200)
    expect(res.headers['content-length']).toBeUndefined()
    expect(res.headers['transfer-encoding']).toBe('chunked')
    expect(res.headers['accept-ranges']).toBeUndefined()
    expect(res.body.equals(body)).toBe(true)
  })

  it('gzip: compressed unless the request asks for identity only', async () => {
    const body = Buffer.from('downpour '.repeat(20_000))
    server.file('/g.txt', body, { gzip: true })

    for (const acceptEncoding of ['gzip, deflate, br', 'identity;q=0.5, *;q=0.1', undefined]) {
      const res = await get(
        '/g.txt',
        acceptEncoding === undefined ? {} : { headers: { 'accept-encoding': acceptEncoding } },
      )
      expect(res.headers['content-encoding'], acceptEncoding).toBe('gzip')
      expect(res.headers['content-length']).toBe(String(res.body.length))
      expect(res.body.length).toBeLessThan(body.length / 10)
      expect(gunzipSync(res.body).equals(body)).toBe(true)
      expect(res.headers.vary).toBe('Accept-Encoding')
    }
    for (const acceptEncoding of ['identity', 'gzip;q=0, identity', '']) {
      const res = await get('/g.txt', { headers: { 'accept-encoding': acceptEncoding } })
      expect(res.headers['content-encoding'], acceptEncoding).toBeUndefined()
      expect(res.body.equals(body)).toBe(true)
    }
  })

  it('gzipRanges: 206 answers compressed on their own whatever was asked; 200 stays plain', async () => {
    const body = makeBody(100_000, 7)
    server.file('/gr.bin', body, { gzipRanges: true })
    const plain = await get('/gr.bin', { headers: { 'accept-encoding': 'identity' } })
    expect(plain.headers['content-encoding']).toBeUndefined()
    expect(plain.body.equals(body)).toBe(true)
    const ranged = await get('/gr.bin', {
      headers: { 'accept-encoding': 'identity', range: 'bytes=1000-1999' },
    })
    expect(ranged.status).toBe(206)
    expect(ranged.headers['content-encoding']).toBe('gzip')
    expect(ranged.headers['content-range']).toBe(`bytes 1000-1999/${body.length}`)
    expect(ranged.headers.etag).toBe(plain.headers.etag)
    expect(gunzipSync(ranged.body).equals(body.subarray(1000, 2000))).toBe(true)
  })

  it('sends Content-Disposition verbatim (UTF-8 bytes), and raw() sends any bytes', async () => {
    const hostile = 'attachment; filename="../../€vil\u202Etxt.exe"'
    server.file('/cd', Buffer.from('x'), { contentDisposition: hostile })
    const res = await get('/cd')
    // undici decodes header bytes as latin1: recover the wire bytes.
    const wire = Buffer.from(String(res.headers['content-disposition']), 'latin1')
    expect(wire.equals(Buffer.from(hostile, 'utf8'))).toBe(true)

    // Content-Length 1000, 600 bytes, a control character node:http would refuse, then FIN.
    const head = 'HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nContent-Disposition: a\x01b\r\n\r\n'
    const raw = Buffer.concat([Buffer.from(head, 'latin1'), Buffer.alloc(600, 1)])
    server.raw('/short', raw)
    expect((await rawExchange('GET /short HTTP/1.1\r\nHost: x\r\n\r\n')).equals(raw)).toBe(true)
    expect(server.bytesServed('/short')).toBe(raw.length)
    // undici reports the truncation either from request() or from the body.
    const error = await request(server.url('/short'), { dispatcher: agent }).then(
      async (res) => (await readAll(res.body)).error,
      (err: unknown) => err,
    )
    expect(error).toMatchObject({ code: 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH' })
  })

  it('matches routes without the query string but records it; unknown paths get 404', async () => {
    server.file('/q', Buffer.from('query'))
    const res = await get('/q?token=abc&x=1')
    expect(res.body.toString()).toBe('query')
    expect((await get('/missing')).status).toBe(404)
    expect(server.requests('/q').map((r) => r.path)).toEqual(['/q?token=abc&x=1'])
    expect(server.requests('/q?token=abc&x=1')).toHaveLength(1)
    expect(server.requests().map((r) => r.status)).toEqual([200, 404])
  })

  it('redirects with the given status and Location', async () => {
    server.file('/target', Buffer.from('here'))
    server.redirect('/temp', '/target')
    server.redirect('/perm', server.url('/target'), 308)
    const temp = await get('/temp')
    expect(temp.status).toBe(302)
    expect(temp.headers.location).toBe('/target')
    const perm = await get('/perm')
    expect(perm.status).toBe(308)
    expect(perm.headers.location).toBe(server.url('/target'))
    expect((await get(String(temp.headers.location))).body.toString()).toBe('here')
  })
})

describe('faults', () => {
  it('reset: the client gets an error after N bytes; bytesServed counts them; attempts count', async () => {
    const body = makeBody(MiB)
    const attempts: number[] = []
    server.file('/reset', body, {
      fault: ({ attempt }) => {
        attempts.push(attempt)
        return attempt === 1 ? { kind: 'reset', afterBytes: 300_000 } : undefined
      },
    })
    const first = await request(server.url('/reset'), { dispatcher: agent })
    expect(first.statusCode).toBe(200)
    const read = await readAll(first.body)
    expect(read.error).toBeInstanceOf(Error)
    // On RST the client may drop bytes it had not consumed yet: never more than N arrive.
    expect(read.bytes).toBeLessThanOrEqual(300_000)
    expect(server.bytesServed('/reset')).toBe(300_000)

    const second = await get('/reset')
    expect(second.body.equals(body)).toBe(true)
    expect(attempts).toEqual([1, 2])
    // Per request too: what each one was sent.
    expect(server.requests('/reset').map((r) => r.bytesServed)).toEqual([300_000, body.length])
    expect(server.requests('/reset').map((r) => r.connectionId)).toEqual([1, 2])
    expect(server.bytesServed('/reset')).toBe(300_000 + body.length)
  })

  it('close: exactly N bytes, then FIN (a truncated body)', async () => {
    server.file('/fin', makeBody(100_000), { fault: () => ({ kind: 'close', afterBytes: 60_000 }) })
    const res = await request(server.url('/fin'), { dispatcher: agent })
    const read = await readAll(res.body)
    expect(read.bytes).toBe(60_000)
    // 'other side closed' or a Content-Length mismatch, depending on timing.
    expect(read.error).toMatchObject({
      code: expect.stringMatching(/^UND_ERR_(SOCKET|RES_CONTENT_LENGTH_MISMATCH)$/),
    })
    expect(server.bytesServed('/fin')).toBe(60_000)
  })

  it('stall: the head and a prefix arrive, then silence trips the client body timeout', async () => {
    server.file('/stall', makeBody(200_000), {
      fault: () => ({ kind: 'stall', afterBytes: 50_000 }),
    })
    const started = performance.now()
    const res = await request(server.url('/stall'), { dispatcher: agent, bodyTimeout: 300 })
    expect(res.statusCode).toBe(200)
    const read = await readAll(res.body)
    expect(read.bytes).toBe(50_000)
    expect((read.error as { code?: string }).code).toBe('UND_ERR_BODY_TIMEOUT')
    expect(performance.now() - started).toBeGreaterThanOrEqual(250)
    expect(server.bytesServed('/stall')).toBe(50_000)
  })

  it('stall with ms resumes the body afterwards', async () => {
    const body = makeBody(100_000)
    server.file('/pause', body, { fault: () => ({ kind: 'stall', afterBytes: 1000, ms: 200 }) })
    const started = performance.now()
    const res = await get('/pause')
    expect(performance.now() - started).toBeGreaterThanOrEqual(180)
    expect(res.body.equals(body)).toBe(true)
  })

  it('delay: holds the response head (client headers timeout fires)', async () => {
    server.file('/slow', Buffer.from('late'), { fault: () => ({ kind: 'delay', ms: 5000 }) })
    await expect(get('/slow', { headersTimeout: 200 })).rejects.toMatchObject({
      code: 'UND_ERR_HEADERS_TIMEOUT',
    })
  })

  it('status: 503 with Retry-After and a body, then the file on the next attempt', async () => {
    server.file('/busy', Buffer.from('finally'), {
      fault: ({ attempt }) =>
        attempt < 3
          ? {
              kind: 'status',
              status: attempt === 1 ? 503 : 429,
              headers: { 'Retry-After': '2' },
              body: 'busy',
            }
          : undefined,
    })
    const first = await get('/busy')
    expect(first.status).toBe(503)
    expect(first.headers['retry-after']).toBe('2')
    expect(first.body.toString()).toBe('busy')
    const second = await get('/busy')
    expect(second.status).toBe(429)
    const third = await get('/busy')
    expect([third.status, third.body.toString()]).toEqual([200, 'finally'])
    expect(server.requests('/busy').map((r) => r.status)).toEqual([503, 429, 200])
  })

  it('wrong-range: 206 with a Content-Range that starts elsewhere, bytes matching it', async () => {
    const body = makeBody(10_000)
    server.file('/wr', body, { fault: () => ({ kind: 'wrong-range', start: 4000 }) })
    const res = await get('/wr', { headers: { range: 'bytes=5000-' } })
    expect(res.status).toBe(206)
    expect(res.headers['content-range']).toBe('bytes 4000-9999/10000')
    expect(res.body.equals(body.subarray(4000))).toBe(true)
  })

  it('etag: answers with another ETag, and judges If-Range against it', async () => {
    const body = makeBody(10_000)
    server.file('/et', body, {
      etag: '"a"',
      fault: ({ attempt }) => (attempt === 2 ? { kind: 'etag', etag: '"b"' } : undefined),
    })
    const headers = { range: 'bytes=5000-', 'if-range': '"a"' }
    const first = await get('/et', { headers })
    expect([first.status, first.headers.etag]).toEqual([206, '"a"'])
    const flipped = await get('/et', { headers })
    expect([flipped.status, flipped.headers.etag]).toEqual([200, '"b"'])
    expect(flipped.body.equals(body)).toBe(true)
  })
})

describe('rate limiting', () => {
  // The pace is a floor: the server must never send faster. How much slower a loaded machine
  // delivers is not the server's doing, so the ceilings are loose (they catch a pacer that
  // sleeps far too long) and the per-connection rates are compared with each other.
  it('paces a single connection at ~4 MiB/s (6 MiB in no less than ~1.5 s)', async () => {
    const body = makeBody(6 * MiB)
    server.file('/rate', body, { rateLimit: 4 * MiB })
    const started = performance.now()
    const res = await get('/rate')
    const seconds = (performance.now() - started) / 1000
    expect(res.body.equals(body)).toBe(true)
    expect(seconds).toBeGreaterThan(1.5 * 0.9)
    expect(seconds).toBeLessThan(1.5 * 4)
    expect(server.bytesServed('/rate')).toBe(body.length)
  })

  it('rateBursts paces as nginx: a second of bytes at once, then a pause as long as they should take', async () => {
    const body = makeBody(1536 * 1024)
    server.file('/bursts', body, { rateLimit: MiB, rateBursts: true })
    const started = performance.now()
    const arrivals: { at: number; bytes: number }[] = []
    const res = await fetch(server.url('/bursts'))
    let received = 0
    for await (const chunk of res.body!) {
      received += (chunk as Uint8Array).length
      arrivals.push({ at: performance.now() - started, bytes: received })
    }
    expect(received).toBe(body.length)
    // The first MiB came in one burst, long before the rest (a second later at 1 MiB/s).
    const firstMiB = arrivals.find((a) => a.bytes >= MiB)!
    const rest = arrivals.find((a) => a.bytes > MiB)!
    expect(rest.at - firstMiB.at).toBeGreaterThan(500)
    expect(arrivals.at(-1)!.at).toBeGreaterThan(900)
  })

  it('a rateLimit function sets the rate per connection', async () => {
    const body = makeBody(MiB)
    const calls: number[] = []
    server.file('/per-conn', body, {
      rateLimit: (connectionId) => {
        calls.push(connectionId)
        return connectionId === 1 ? MiB : 4 * MiB
      },
    })
    const timed = async (n: number): Promise<number> => {
      const started = performance.now()
      const res = await get(`/per-conn?n=${n}`)
      expect(res.body.equals(body)).toBe(true)
      return (performance.now() - started) / 1000
    }
    const [a, b] = await Promise.all([timed(1), timed(2)])
    const byConnection = new Map(server.requests('/per-conn').map((r) => [r.connectionId, r.path]))
    const seconds = (id: number): number => (byConnection.get(id) === '/per-conn?n=1' ? a : b)
    expect(calls.sort()).toEqual([1, 2])
    expect(seconds(1)).toBeGreaterThan(0.9)
    expect(seconds(2)).toBeGreaterThan(0.2)
    // Four times the rate: clearly quicker, however loaded the machine.
    expect(seconds(2)).toBeLessThan(seconds(1) * 0.6)
    expect(seconds(1)).toBeLessThan(4)
  })

  it('a paced response ends with its last byte: the next request on its connection does not overlap it', async () => {
    // At 512 KiB/s a slice is ~20 ms. Sleeping that long after the last write kept the response
    // open while its client, body complete, sent its next request on the same connection: two
    // requests counted at once on one socket (engine-mirrors.test.ts read 3 for 2 sockets).
    const body = makeBody(64 * KiB)
    server.file('/paced', body, { rateLimit: 512 * KiB })
    const single = new Agent({ connections: 1 })
    try {
      for (let n = 0; n < 4; n++) {
        const res = await get(`/paced?n=${n}`, { dispatcher: single })
        expect(res.body.equals(body)).toBe(true)
      }
    } finally {
      await single.destroy()
    }
    expect(new Set(server.requests('/paced').map((r) => r.connectionId))).toEqual(new Set([1]))
    expect(server.maxConcurrentRequests('/paced')).toBe(1)
  })
})

describe('a route capped as a whole (sharedRateLimit)', () => {
  it('four connections together get the one rate, not four times it (a floor: never faster)', async () => {
    const body = makeBody(MiB)
    server.file('/shared', body, { sharedRateLimit: 4 * MiB })
    const started = performance.now()
    const all = await Promise.all([1, 2, 3, 4].map((n) => get(`/shared?n=${n}`)))
    const seconds = (performance.now() - started) / 1000
    for (const res of all) expect(res.body.equals(body)).toBe(true)
    expect(new Set(server.requests('/shared').map((r) => r.connectionId)).size).toBe(4)
    // 4 MiB at 4 MiB/s in total: about a second (each alone would take a quarter of that).
    expect(seconds).toBeGreaterThan(0.9)
    expect(server.bytesServed('/shared')).toBe(4 * body.length)
  })
})

describe('connections and lifecycle', () => {
  it('counts connections, their high-water mark, and reuses keep-alive connections', async () => {
    server.file('/slow', Buffer.from('ok'), { fault: () => ({ kind: 'delay', ms: 150 }) })

    // Sequential requests reuse one keep-alive connection (which then stays open, idle).
    const single = new Agent({ connections: 1 })
    try {
      await get('/slow', { dispatcher: single })
      await get('/slow', { dispatcher: single })
      expect(server.requests().map((r) => r.connectionId)).toEqual([1, 1])
      expect(server.maxConcurrentConnections()).toBe(1)

      const parallel = await Promise.all([1, 2, 3, 4].map(() => get('/slow')))
      expect(parallel.map((r) => r.status)).toEqual([200, 200, 200, 200])
    } finally {
      await single.destroy()
    }
    expect(server.connectionsOpened()).toBe(5)
    expect(server.maxConcurrentConnections()).toBe(5) // the idle one + 4 parallel
    // Requests in progress at once: the 4 parallel ones (the idle connection has none).
    expect(server.maxConcurrentRequests('/slow')).toBe(4)
    expect(server.maxConcurrentRequests('/other')).toBe(0)
    const parallelIds = server
      .requests()
      .slice(2)
      .map((r) => r.connectionId)
    expect(new Set(parallelIds)).toEqual(new Set([2, 3, 4, 5]))
  })

  it('survives clients that disconnect mid-body, and stops writing to them', async () => {
    const body = makeBody(2 * MiB)
    server.file('/big', body, { rateLimit: MiB })
    const controller = new AbortController()
    const res = await request(server.url('/big'), { dispatcher: agent, signal: controller.signal })
    setTimeout(() => controller.abort(), 100)
    const read = await readAll(res.body)
    expect(read.error).toBeDefined()
    await new Promise((resolve) => setTimeout(resolve, 200))
    const servedAfterAbort = server.bytesServed('/big')
    expect(servedAfterAbort).toBeLessThan(body.length / 2)
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(server.bytesServed('/big')).toBe(servedAfterAbort)
    server.file('/small', Buffer.from('still alive'))
    expect((await get('/small')).body.toString()).toBe('still alive')
  })

  it('close() resolves promptly with a stalled connection open, and the client sees an error', async () => {
    server.file('/forever', makeBody(100_000), { fault: () => ({ kind: 'stall', afterBytes: 10 }) })
    const res = await request(server.url('/forever'), { dispatcher: agent })
    const reading = readAll(res.body)
    const started = performance.now()
    await server.close()
    expect(performance.now() - started).toBeLessThan(500)
    const read = await reading
    expect(read.bytes).toBe(10)
    expect(read.error).toBeInstanceOf(Error)
    await expect(get('/forever')).rejects.toThrow()
  })
})
