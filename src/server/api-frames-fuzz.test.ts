import fc from 'fast-check'
import WebSocket from 'ws'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeDirs, startEngine, type TestEngine } from '../../test/engine-harness.ts'
import { fuzzRuns, fuzzTimeout } from '../../test/fuzz-runs.ts'
import { startTestServer } from '../../test/run-serve.ts'
import { ERROR_CODES } from '../shared/protocol/errors.ts'
import { serveEngine, type Port } from '../shared/protocol/rpc.ts'
import { methodArgsSchemas } from '../shared/protocol/schemas.ts'
import type { EngineServer } from './engine-server.ts'

// Fuzzing `downpour serve`'s /api frames: whatever a client with the token sends, the engine
// side neither throws nor leaves a rejection unhandled (vitest fails the run on one), answers
// every call that has a numeric seq exactly once, and every refusal is an error with a code and
// a message that says what was wrong. No frame here names a URL to fetch: nothing leaves the
// machine.

const METHODS = Object.keys(methodArgsSchemas)
const CI_RUNS = 3000

let dirs: Awaited<ReturnType<typeof makeDirs>>
let engine: TestEngine

beforeAll(async () => {
  dirs = await makeDirs()
  engine = await startEngine({ downloads: dirs.downloads, state: null })
})

afterAll(async () => {
  await engine.close()
  await dirs.cleanup()
})

/** Frames as a fuzzer would write them: random JSON, and calls with random parts. */
const frame = fc.oneof(
  fc.jsonValue(),
  fc.record(
    {
      kind: fc.oneof(fc.constant('call'), fc.jsonValue()),
      seq: fc.oneof(fc.integer(), fc.double(), fc.jsonValue()),
      method: fc.oneof(
        fc.constantFrom(...METHODS, '__proto__', 'constructor', 'toString', 'close', 'on'),
        fc.string(),
      ),
      args: fc.oneof(
        fc.array(fc.jsonValue(), { maxLength: 4 }),
        fc.jsonValue(),
        // Near-valid arguments: the shapes the schemas take, with random leaves.
        fc.tuple(fc.array(fc.record({ url: fc.string(), out: fc.jsonValue() }))),
        fc.tuple(fc.oneof(fc.constant('all'), fc.record({ ids: fc.array(fc.jsonValue()) }))),
        fc.tuple(fc.dictionary(fc.string(), fc.jsonValue())),
      ),
    },
    { requiredKeys: [] },
  ),
)

type Reply = { kind: string; seq: unknown; ok: boolean; error?: { code: string; message: string } }

/** An in-memory Port: what the client sends, and the replies the engine side posts back. */
function memoryPort() {
  const listeners = new Set<(message: unknown) => void>()
  const replies: Reply[] = []
  const waiting: (() => void)[] = []
  const port: Port = {
    postMessage(message) {
      const m = message as Reply
      if (m.kind !== 'reply') return
      replies.push(m)
      waiting.splice(0).forEach((wake) => wake())
    },
    onMessage(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }
  return {
    port,
    replies,
    send: (message: unknown) => listeners.forEach((listener) => listener(message)),
    next: () => new Promise<void>((resolve) => waiting.push(resolve)),
  }
}

function expectClearRefusal(reply: Reply): void {
  expect(reply.error?.code, JSON.stringify(reply)).toMatch(/^DP_ERR_[A-Z_]+$/)
  expect(reply.error!.message.trim().length).toBeGreaterThan(3)
}

describe('the engine protocol under random frames (/api)', () => {
  it(
    'answers every call with a numeric seq once, refusing bad ones with a clear error',
    async () => {
      const { port, replies, send, next } = memoryPort()
      const stop = serveEngine(port, engine)
      try {
        await fc.assert(
          fc.asyncProperty(frame, async (message) => {
            const before = replies.length
            const seq = (message as { seq?: unknown } | null)?.seq
            const answered = typeof seq === 'number' ? next() : null
            expect(() => send(message)).not.toThrow()
            if (answered === null) {
              // Let any async work run: still no reply (nothing to address it to) and no throw.
              await new Promise((resolve) => setImmediate(resolve))
              expect(replies.length).toBe(before)
              return
            }
            await answered
            expect(replies.length).toBe(before + 1)
            const reply = replies[before]!
            expect(reply.seq).toBe(seq)
            if (!reply.ok) expectClearRefusal(reply)
            const m = message as { kind?: unknown; method?: unknown; args?: unknown }
            const wellFormedCall =
              m.kind === 'call' &&
              Number.isInteger(seq) &&
              METHODS.includes(m.method as string) &&
              Array.isArray(m.args)
            if (!wellFormedCall) expect(reply.error?.code).toBe(ERROR_CODES.invalidArgument)
            else if (reply.error?.code === ERROR_CODES.invalidArgument)
              expect(reply.error.message.startsWith(`${String(m.method)}: `)).toBe(true)
          }),
          fuzzRuns(CI_RUNS),
        )
      } finally {
        stop()
      }
      // Nothing random ever became a download.
      expect((await engine.snapshot()).downloads).toEqual([])
    },
    fuzzTimeout(CI_RUNS, 120_000),
  )

  it(
    'over a real /api WebSocket: random text and binary frames, then a normal call still works',
    async () => {
      const token = 'api-frames-fuzz-token-0123'
      const server: EngineServer = await startTestServer(engine, dirs.root, token)
      const socket = new WebSocket(`${server.origin.replace(/^http/, 'ws')}/api`, {
        headers: { authorization: `Bearer ${token}` },
      })
      try {
        await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject))
        const replies: Reply[] = []
        socket.on('message', (data) => {
          const m = JSON.parse(String(data)) as Reply
          if (m.kind === 'reply') replies.push(m)
        })
        const texts = fc.sample(
          fc.oneof(
            fc.string({ unit: 'binary' }),
            fc.json(),
            frame.map((f) => JSON.stringify(f) ?? 'null'),
          ),
          fuzzRuns(600).numRuns,
        )
        for (const [i, text] of texts.entries())
          socket.send(i % 50 === 0 ? Buffer.from(text) : text, { binary: i % 50 === 0 })
        // The last frame is a normal call: once it is answered, the ones before it were handled.
        const done = new Promise<void>((resolve) =>
          socket.on('message', (data) => {
            if (String(data).includes('"seq":-424242')) resolve()
          }),
        )
        socket.send(JSON.stringify({ kind: 'call', seq: -424242, method: 'snapshot', args: [] }))
        await done
        expect(replies.at(-1)).toMatchObject({ seq: -424242, ok: true })
        for (const reply of replies.filter((r) => !r.ok)) expectClearRefusal(reply)
        expect(socket.readyState).toBe(WebSocket.OPEN)
      } finally {
        socket.close()
        await server.close()
      }
    },
    fuzzTimeout(600, 60_000),
  )
})
