import { join } from 'node:path'
import { homedir } from 'node:os'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { makeDirs, startEngine, type TestEngine } from '../../../test/engine-harness.ts'
import { AuthThrottle } from './aria2-auth-throttle.ts'
import { ARIA2_METHODS, SYSTEM_METHOD_NAMES } from './aria2-methods.ts'
import { createAria2RpcServer, type Aria2RpcServer } from './aria2-rpc-server.ts'

/**
 * Fuzzing /jsonrpc as a web page would reach it: HTTP POST, GET with base64 params, JSONP and
 * WebSocket frames, with and without the secret. Whatever arrives: the process neither crashes
 * nor leaves a rejection unhandled, every answer is JSON-RPC (a refusal is an `error` with a
 * code and a message), and the server still answers a plain call afterwards.
 *
 * A few thousand cases in CI; `DOWNPOUR_FUZZ_RUNS=N` runs N per transport (the long run
 * before resolving an issue, e.g. 50000).
 */
const RUNS = Number(process.env['DOWNPOUR_FUZZ_RUNS']) || 0
// No shrinking: a case of 20,000 levels over HTTP shrinks for minutes; the seed replays it.
const runs = (ci: number) => ({ numRuns: RUNS || ci, endOnFailure: true })
/** A case takes a few milliseconds (25 at most seen here on a busy machine). */
const TIMEOUT = Math.max(300_000, RUNS * 100)

const SECRET = 'fuzzing-secret-0123456789'
let dirs: Awaited<ReturnType<typeof makeDirs>>
let engine: TestEngine
let rpc: Aria2RpcServer
let logged: string[]
const unhandled: unknown[] = []
const onUnhandled = (reason: unknown) => unhandled.push(reason)
/** The throttle's clock: an hour passes between cases, so every case starts unlocked. */
const clock = { now: 0 }

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled)
  dirs = await makeDirs()
  // No retries: the fuzzer's downloads go to a closed port and should end at once.
  engine = await startEngine({
    downloads: dirs.downloads,
    state: dirs.state,
    settings: { maxTries: 0 },
  })
  logged = []
  rpc = await createAria2RpcServer({
    engine,
    secret: SECRET,
    port: 0,
    unauthorizedDelayMs: 0,
    authThrottle: new AuthThrottle({ now: () => clock.now }),
    log: (line) => logged.push(line),
    shutdown: () => {},
  })
})

afterAll(async () => {
  await rpc?.close()
  await engine?.close()
  await dirs?.cleanup()
  process.off('unhandledRejection', onUnhandled)
})

// --- what a page may send ------------------------------------------------------------------

const METHODS = [...Object.keys(ARIA2_METHODS), ...SYSTEM_METHOD_NAMES]
/**
 * Deep nesting (up to 20,000 levels: what overflowed the stack of a JSON.stringify once) is
 * sent as text: the test's own JSON.stringify could not write it either. A marker string
 * stands for it in generated values and `serialize` puts the nesting in its place.
 */
const deep = fc
  .tuple(fc.integer({ min: 1, max: 20_000 }), fc.constantFrom('a', 'o'))
  .map(([n, kind]) => `§DEEP§${n}§${kind}`)
const DEEP_MARKER = /"§DEEP§(\d+)§([ao])"/g
function serialize(value: unknown): string {
  return (JSON.stringify(value) ?? 'null').replace(DEEP_MARKER, (_, n: string, kind: string) =>
    kind === 'a'
      ? '['.repeat(Number(n)) + ']'.repeat(Number(n))
      : '{"a":'.repeat(Number(n)) + '1' + '}'.repeat(Number(n)),
  )
}
const anyValue = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
  { weight: 1, arbitrary: deep },
)
/** Folders: where a client may write and where it may not; never a random absolute path. */
const dirValue = fc.constantFrom(
  '/etc/cron.d',
  '/usr/bin',
  '/proc/self',
  'relative/dir',
  '',
  join(homedir(), '.config', 'autostart'),
  '/tmp/../etc',
)
const optionValue = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.constantFrom('true', '1K', '-1', '99999999999M'),
)
const options = fc
  .dictionary(
    fc.constantFrom(
      'dir',
      'out',
      'header',
      'referer',
      'user-agent',
      'split',
      'max-connection-per-server',
      'max-download-limit',
      'max-tries',
      'checksum',
      'pause',
      'max-concurrent-downloads',
      'all-proxy',
      'timeout',
      'min-split-size',
      '__proto__',
      'constructor',
    ),
    fc.oneof(optionValue, fc.array(optionValue, { maxLength: 3 })),
    { maxKeys: 5 },
  )
  .chain((o) => ('dir' in o ? dirValue.map((dir) => ({ ...o, dir })) : fc.constant(o)))
const token = fc.oneof(
  fc.constant(`token:${SECRET}`),
  fc.string({ maxLength: 30 }).map((s) => `token:${s}`),
  fc.constant('token:'),
)
const uri = fc.oneof(
  fc.constantFrom(
    'http://127.0.0.1:9/f.bin',
    'https://127.0.0.1:9/x',
    'ftp://127.0.0.1/x',
    'magnet:?x',
  ),
  fc.string({ maxLength: 30 }),
)
const param = fc.oneof(
  { weight: 3, arbitrary: anyValue },
  { weight: 2, arbitrary: fc.array(uri, { maxLength: 3 }) },
  { weight: 2, arbitrary: options },
  { weight: 1, arbitrary: fc.integer({ min: -5, max: 5 }) },
  { weight: 1, arbitrary: fc.stringMatching(/^[0-9a-f]{1,16}$/) },
)
const params = fc
  .tuple(fc.option(token, { nil: undefined }), fc.array(param, { maxLength: 4 }))
  .map(([t, rest]) => (t === undefined ? rest : [t, ...rest]))
const method = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...METHODS) },
  fc.string({ maxLength: 20 }),
)
const idValue = fc.oneof(
  fc.string({ maxLength: 10 }),
  fc.integer(),
  fc.double(),
  fc.constant(null),
  fc.boolean(),
  deep,
)
const multicall = fc
  .array(fc.record({ methodName: method, params }, { requiredKeys: [] }), { maxLength: 6 })
  .map((calls) => ({ method: 'system.multicall', params: [calls] }))
const request = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record(
      { jsonrpc: fc.constant('2.0'), id: idValue, method, params },
      { requiredKeys: ['method'] },
    ),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(idValue, multicall).map(([id, m]) => ({ jsonrpc: '2.0', id, ...m })),
  },
  {
    weight: 1,
    arbitrary: fc.record({ id: idValue, method: anyValue, params: anyValue }, { requiredKeys: [] }),
  },
)
const message = fc.oneof(
  { weight: 5, arbitrary: request.map(serialize) },
  {
    weight: 2,
    arbitrary: fc.array(fc.oneof(request, anyValue), { maxLength: 12 }).map(serialize),
  },
  { weight: 1, arbitrary: anyValue.map(serialize) },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
  { weight: 1, arbitrary: fc.constantFrom('', '{', '[', '{"id":1,"method":', '\u0000', '[[[[') },
)

// --- what every answer must be ---------------------------------------------------------------

/** One JSON-RPC response object as aria2 writes it: a valid id and a result or an error. */
function expectResponse(body: unknown): void {
  expect(body).toBeTypeOf('object')
  const r = body as Record<string, unknown>
  expect(r['jsonrpc']).toBe('2.0')
  expect(r['id'] === null || ['string', 'number'].includes(typeof r['id'])).toBe(true)
  if ('error' in r) {
    const error = r['error'] as { code: unknown; message: unknown }
    expect(error.code).toBeTypeOf('number')
    expect(error.message).toBeTypeOf('string')
    expect(error.message).not.toBe('')
  } else {
    expect(r).toHaveProperty('result')
  }
}

function expectAnswer(status: number, body: unknown): void {
  expect([200, 400, 431, 500]).toContain(status)
  if (Array.isArray(body)) {
    expect(status).toBe(200)
    body.forEach(expectResponse)
    return
  }
  expectResponse(body)
  // Every refusal is a JSON-RPC error, and every error has a refusing status.
  expect('error' in (body as object)).toBe(status !== 200)
}

async function stillServing(): Promise<void> {
  const res = await fetch(rpc.url, {
    method: 'POST',
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 'alive',
      method: 'aria2.getVersion',
      params: [`token:${SECRET}`],
    }),
  })
  expect(await res.json()).toMatchObject({ id: 'alive', result: { version: expect.any(String) } })
  expect(unhandled).toEqual([])
  expect(logged).toEqual([])
}

describe('fuzzing /jsonrpc', () => {
  it(
    'HTTP POST: any body gets a JSON-RPC answer',
    async () => {
      await fc.assert(
        fc.asyncProperty(message, async (text) => {
          clock.now += 3_600_000
          const res = await fetch(rpc.url, {
            method: 'POST',
            headers: { 'Content-Type': 'text/plain' },
            body: text,
          })
          expect(res.headers.get('access-control-allow-origin')).toBe('*')
          expectAnswer(res.status, JSON.parse(await res.text()))
        }),
        runs(1000),
      )
      await stillServing()
    },
    TIMEOUT,
  )

  it(
    'HTTP GET: base64 params (or junk), a method and an id, with and without a JSONP callback',
    async () => {
      const base64 = fc.oneof(
        {
          weight: 4,
          arbitrary: fc
            .oneof(params.map(serialize), message)
            .map((t) => Buffer.from(t).toString('base64')),
        },
        { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
      )
      const callback = fc.oneof(
        fc.constantFrom('cb', 'jQuery123_456', 'a.b.c', '$'),
        fc.string({ maxLength: 20 }),
      )
      const query = fc.record(
        { method, id: fc.string({ maxLength: 10 }), params: base64, jsoncallback: callback },
        { requiredKeys: [] },
      )
      await fc.assert(
        fc.asyncProperty(query, async (q) => {
          clock.now += 3_600_000
          const res = await fetch(`${rpc.url}?${new URLSearchParams(q)}`)
          const text = await res.text()
          const cb = q.jsoncallback
          if (res.status === 431) {
            // Over Node's 16 KiB for a request line: refused before the endpoint, still JSON-RPC.
            expectAnswer(res.status, JSON.parse(text))
          } else if (cb !== undefined && /^[A-Za-z_$][\w$.]{0,127}$/.test(cb)) {
            expect(res.headers.get('content-type')).toBe('text/javascript')
            expect(text.startsWith(`${cb}(`) && text.endsWith(')')).toBe(true)
            expectAnswer(res.status, JSON.parse(text.slice(cb.length + 1, -1)))
          } else {
            // A callback that is not a plain identifier is never written back as code.
            expect(res.headers.get('content-type')).toBe('application/json-rpc')
            expectAnswer(res.status, JSON.parse(text))
          }
        }),
        runs(600),
      )
      await stillServing()
    },
    TIMEOUT,
  )

  it(
    'WebSocket: every text or binary frame gets one JSON-RPC answer on a socket that stays open',
    async () => {
      const ws = new WebSocket(rpc.url.replace(/^http/, 'ws'))
      await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject))
      const answers: unknown[] = []
      let wake: (() => void) | null = null
      ws.on('message', (data) => {
        const body = JSON.parse(String(data)) as Record<string, unknown>
        // Notifications (a method, no id) reach a socket that showed the secret: not answers.
        if (!Array.isArray(body) && 'method' in body && !('id' in body)) return
        answers.push(body)
        wake?.()
      })
      const next = async () => {
        while (answers.length === 0) await new Promise<void>((resolve) => (wake = resolve))
        return answers.shift()
      }
      try {
        await fc.assert(
          // As a text frame, as the same text in a binary frame (aria2 reads both), or as any
          // bytes at all in a binary frame (invalid UTF-8 included: a parse error, not a close).
          fc.asyncProperty(
            fc.oneof(
              message.map((text) => ({ data: text as string | Uint8Array, binary: false })),
              message.map((text) => ({ data: Buffer.from(text), binary: true })),
              fc.uint8Array({ maxLength: 64 }).map((bytes) => ({ data: bytes, binary: true })),
            ),
            async ({ data, binary }) => {
              clock.now += 3_600_000
              ws.send(data, { binary })
              const body = await next()
              if (Array.isArray(body)) body.forEach(expectResponse)
              else expectResponse(body)
              expect(ws.readyState).toBe(WebSocket.OPEN)
            },
          ),
          runs(1200),
        )
      } finally {
        ws.close()
      }
      await stillServing()
    },
    TIMEOUT,
  )
})
