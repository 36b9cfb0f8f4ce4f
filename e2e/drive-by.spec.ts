import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test, type Page } from '@playwright/test'
import { Aria2TestClient } from '../test/aria2-rpc-client.ts'
import WebSocket from 'ws'
import { makeBody, startFaultServer, type FaultServer } from '../test/fault-server.ts'
import {
  alive,
  listFolder,
  memoryOf,
  startListenerTarget,
  startServeTarget,
  type Target,
} from './drive-by-hosts.ts'
import {
  formPost,
  getWithCookies,
  imageGet,
  jsonpScript,
  postNoCors,
  postText,
  postTextMany,
  spyOpen,
  spyRoundTrip,
  webSocketRun,
  type Seen,
} from './drive-by-page.ts'

// Issue 20's drive-by suite. A page on another loopback origin (its own HTTP server on its own
// port: what any web page, or a page of a local dev server, is to Downpour) tries every trick a
// page has against `downpour serve` (its /jsonrpc, /api and session) and against the desktop
// app's aria2 listener, each hosted in a process of its own. Afterwards the host is still up, a
// normal authenticated call works, its queue and download folder are as they were, and its peak
// memory stayed within a loose bound.

/** Peak resident memory may grow this much over the idle host (a 4 MiB batch reached 650 MB). */
const MEMORY_HEADROOM = 384 * 1024 * 1024

let root: string
let fault: FaultServer
let attacker: Server
let attackerUrl: string
let dl: string
let runs = 0

test.setTimeout(240_000)

test.beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'downpour-drive-by-'))
  fault = await startFaultServer()
  fault.file('/evil.desktop', makeBody(4096, 7))
  fault.file('/owner.bin', makeBody(64 * 1024, 8))
  dl = fault.url('/evil.desktop')
  attacker = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' })
    res.end('<!doctype html><title>some page</title><body><p>nothing to see</p></body>')
  })
  await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve))
  attackerUrl = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}/`
})

test.afterAll(async () => {
  await new Promise<void>((resolve) => attacker.close(() => resolve()))
  await fault.close()
  await rm(root, { recursive: true, force: true })
})

const call = (method: string, params: unknown[], id: unknown = 'x') =>
  JSON.stringify({ jsonrpc: '2.0', id, method, params })
const nested = (depth: number, inner = '') => '['.repeat(depth) + inner + ']'.repeat(depth)
const base64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64')
const addUri = () => call('aria2.addUri', [[dl], { dir: '/tmp', out: 'evil.desktop' }])

/** Every two-character secret from [a-z0-9]: 1,296 guesses, what one batch can carry. */
function twoCharGuesses(): string[] {
  const chars = 'abcdefghijklmnopqrstuvwxyz0123456789'
  return [...chars].flatMap((a) => [...chars].map((b) => a + b))
}

function answer(seen: Seen): { status: number; body: unknown; length: number } {
  if (!('status' in seen)) throw new Error(`no readable answer: ${JSON.stringify(seen)}`)
  return { status: seen.status, body: JSON.parse(seen.text), length: seen.length }
}

/** An answer that refuses: no `result` anywhere in it (batches included). */
function refused(seen: Seen): boolean {
  return 'status' in seen && !seen.text.includes('"result"')
}

type Before = { queue: string[]; folder: string[]; rss: number }

async function snapshotOf(target: Target): Promise<Before> {
  return {
    queue: await target.queue(),
    folder: await listFolder(target.downloads),
    rss: (await memoryOf(target.child.pid!)).rss,
  }
}

/**
 * The host is up and its endpoint answers, its owner's secret works (unless the attack sent a
 * burst of wrong guesses: then every secret may be locked out for a while, issue 20's penalty
 * for guessing, and `Unauthorized` is the answer), its queue and folder are as they were and
 * its peak memory stayed under the bound.
 */
async function expectUnharmed(
  target: Target,
  before: Before,
  options: { guessed?: boolean } = {},
): Promise<void> {
  expect(alive(target), `${target.name} exited:\n${target.stderr()}`).toBe(true)
  const rpc = new Aria2TestClient(target.rpcUrl, target.secret)
  const methods = await rpc.raw({ jsonrpc: '2.0', id: 'm', method: 'system.listMethods' })
  expect(methods.body.result).toContain('aria2.addUri')
  const version = await rpc.post('aria2.getVersion')
  if (options.guessed && version.body.error?.message.startsWith('Unauthorized')) {
    expect(version.body.result).toBeUndefined()
  } else {
    expect(version.body.result).toMatchObject({ version: expect.any(String) })
  }
  expect(await target.queue()).toEqual(before.queue)
  expect(await listFolder(target.downloads)).toEqual(before.folder)
  const { peak } = await memoryOf(target.child.pid!)
  expect(peak - before.rss, `peak ${peak} vs idle ${before.rss}`).toBeLessThan(MEMORY_HEADROOM)
}

for (const kind of ['serve', 'desktop'] as const) {
  test.describe(kind === 'serve' ? 'downpour serve' : 'the desktop aria2 listener', () => {
    let target: Target

    test.beforeEach(async () => {
      const dir = join(root, `run-${++runs}`)
      target = kind === 'serve' ? await startServeTarget(dir) : await startListenerTarget(dir)
    })

    test.afterEach(async () => {
      await target.stop()
    })

    /**
     * One trick per test, each against a fresh host, so a failure names the trick; every test
     * ends with the host unharmed (up, answering its owner, queue and folder as they were).
     */
    const attack = (
      title: string,
      trick: (on: { page: Page; rpc: string; ws: string }) => Promise<void>,
      options: { guessed?: boolean } = {},
    ): void =>
      test(title, async ({ page }) => {
        const before = await snapshotOf(target)
        await page.goto(attackerUrl)
        await trick({ page, rpc: target.rpcUrl, ws: target.rpcUrl.replace(/^http/, 'ws') })
        await expectUnharmed(target, before, options)
      })

    attack(
      'text/plain POSTs without or with a wrong secret are Unauthorized',
      async ({ page, rpc }) => {
        for (const body of [addUri(), call('aria2.addUri', ['token:guess', [dl]])]) {
          const seen = answer(await postText(page, rpc, body))
          expect(seen.body).toMatchObject({ error: { message: 'Unauthorized' } })
        }
      },
    )

    attack('no-cors fetches and a text/plain form post add nothing', async ({ page, rpc }) => {
      expect(await postNoCors(page, rpc, addUri())).toEqual({ opaque: true })
      expect(await postNoCors(page, rpc, addUri(), 'omit')).toEqual({ opaque: true })
      await formPost(
        page,
        rpc,
        `{"jsonrpc":"2.0","id":"f","method":"aria2.addUri","params":[["${dl}"]],"pad":"`,
        '"}',
      )
    })

    attack('JSONP and image GETs add nothing', async ({ page, rpc }) => {
      const get = `${rpc}?method=aria2.addUri&id=j&params=${encodeURIComponent(base64([[dl]]))}`
      // aria2 answers Unauthorized with status 400, so the script fails to load: no callback.
      expect(await jsonpScript(page, get)).toBe('error')
      expect(await imageGet(page, get)).toBe('error')
      const guessed = `${rpc}?method=aria2.addUri&id=j&params=${encodeURIComponent(base64(['token:aa', [dl]]))}`
      expect(await imageGet(page, guessed)).toBe('error')
    })

    attack(
      'a 6000-deep id is an Invalid Request answered with id null (POST and WebSocket)',
      async ({ page, rpc, ws }) => {
        const deepId = `{"jsonrpc":"2.0","id":${nested(6000)},"method":"aria2.getVersion"}`
        const posted = answer(await postText(page, rpc, deepId))
        expect(posted.body).toMatchObject({ id: null, error: { code: -32600 } })
        const run = await webSocketRun(page, ws, [deepId], 1)
        expect(run.opened).toBe(true)
        expect(run.messages.map((m) => JSON.parse(m) as unknown)).toEqual([
          expect.objectContaining({ id: null, error: expect.objectContaining({ code: -32600 }) }),
        ])
      },
    )

    attack(
      'deeply nested params and batches get an error, not a crash',
      async ({ page, rpc, ws }) => {
        const deepParams = `{"jsonrpc":"2.0","id":1,"method":"aria2.addUri","params":${nested(100_000)}}`
        const deepBatch = nested(50_000, call('system.listMethods', []))
        for (const body of [deepParams, deepBatch]) {
          const seen = await postText(page, rpc, body)
          expect(refused(seen), JSON.stringify(seen).slice(0, 300)).toBe(true)
        }
        const run = await webSocketRun(page, ws, [deepParams, deepBatch], 2)
        expect(run.messages.every((m) => !m.includes('"result"'))).toBe(true)
      },
    )

    attack(
      'huge bodies: past 4 MiB refused; 4 MiB batches and multicalls answered small',
      async ({ page, rpc }) => {
        const tooBig = await postText(page, rpc, ' '.repeat(4 * 1024 * 1024 + 1024) + addUri())
        expect('status' in tooBig ? tooBig.status : 413).not.toBe(200)
        const one = call('system.listMethods', [])
        const count = Math.floor((4 * 1024 * 1024 - 2) / (one.length + 1))
        const batch = `[${Array(count).fill(one).join(',')}]`
        const multicall = call('system.multicall', [
          Array(count >> 1).fill({ methodName: 'system.listMethods', params: [] }),
        ])
        // Six at once: a browser's connections per host.
        const seen = await postTextMany(page, rpc, [...Array(5).fill(batch), multicall])
        for (const each of seen) {
          expect('status' in each, JSON.stringify(each).slice(0, 300)).toBe(true)
          // One small error, not 79 MB of method lists.
          expect((each as { length: number }).length).toBeLessThan(64 * 1024)
        }
      },
    )

    attack(
      'bursts of wrong secrets: a 1,296-guess batch, 60 parallel POSTs, 300 frames',
      async ({ page, rpc, ws }) => {
        const guesses = twoCharGuesses().map((g, i) => ({
          jsonrpc: '2.0',
          id: i,
          method: 'aria2.addUri',
          params: [`token:${g}`, [dl]],
        }))
        expect(refused(await postText(page, rpc, JSON.stringify(guesses)))).toBe(true)
        const parallel = await postTextMany(
          page,
          rpc,
          Array.from({ length: 60 }, (_, i) => call('aria2.addUri', [`token:wrong-${i}`, [dl]])),
        )
        expect(parallel.every(refused)).toBe(true)
        const frames = Array.from({ length: 300 }, (_, i) =>
          call('aria2.addUri', [`token:w${i}`, [dl]], i),
        )
        const run = await webSocketRun(page, ws, frames, frames.length, 15_000)
        expect(run.messages.every((m) => !m.includes('"result"'))).toBe(true)
      },
      { guessed: true },
    )

    attack('garbage frames and bodies get a parse error', async ({ page, rpc, ws }) => {
      const seen = answer(await postText(page, rpc, '{"jsonrpc":"2.0",'))
      expect(seen.body).toMatchObject({ id: null, error: { code: -32700 } })
      const run = await webSocketRun(page, ws, ['\u0000\uffff', '[', '{"id":'], 3)
      expect(run.messages.every((m) => m.includes('-32700'))).toBe(true)
    })

    test('a right secret sent in a burst of wrong guesses is refused too', async ({ page }) => {
      const before = await snapshotOf(target)
      await page.goto(attackerUrl)
      const guesses = twoCharGuesses()
        .slice(0, 1295)
        .map((g, i) => ({
          jsonrpc: '2.0',
          id: i,
          method: 'aria2.addUri',
          params: [`token:${g}`, [dl]],
        }))
      const right = {
        jsonrpc: '2.0',
        id: 'right',
        method: 'aria2.addUri',
        params: [`token:${target.secret}`, [dl]],
      }
      const seen = await postText(page, target.rpcUrl, JSON.stringify([...guesses, right]))
      expect(refused(seen), JSON.stringify(seen).slice(0, 300)).toBe(true)
      await expectUnharmed(target, before, { guessed: true })
    })

    test("a foreign WebSocket without the secret hears nothing of the owner's downloads", async ({
      page,
    }) => {
      await page.goto(attackerUrl)
      const ws = target.rpcUrl.replace(/^http/, 'ws')
      expect(await spyOpen(page, ws)).toBe(true)
      // The owner (an extension with the secret) adds a download and hears it complete.
      const owner = new WebSocket(ws)
      await new Promise((resolve, reject) => owner.once('open', resolve).once('error', reject))
      const completed = new Promise<void>((resolve) =>
        owner.on('message', (data) => {
          if (String(data).includes('aria2.onDownloadComplete')) resolve()
        }),
      )
      owner.send(call('aria2.addUri', [`token:${target.secret}`, [fault.url('/owner.bin')]], 'own'))
      await completed
      owner.close()
      const heard = await spyRoundTrip(page)
      expect(heard.filter((m) => m.includes('aria2.onDownload'))).toEqual([])
    })
  })
}

test.describe('downpour serve: the browser session', () => {
  test('its cookie reaches a page on another port (same site) and gets that page nothing', async ({
    page: victim,
    context,
  }) => {
    const target = await startServeTarget(join(root, `run-${++runs}`))
    try {
      const before = await snapshotOf(target)
      const { serve } = target
      await victim.goto(serve.url)
      await expect(victim.locator('html')).toHaveAttribute('data-engine', 'connected')
      // The attacker's tab in the same browser: its requests to serve carry the cookie.
      const page = await context.newPage()
      await page.goto(attackerUrl)
      const api = `${serve.origin.replace(/^http/, 'ws')}/api`

      const socket = await webSocketRun(page, api, [call('snapshot', [])], 1, 3000)
      expect(socket.opened, 'a WebSocket to /api from a foreign origin opened').toBe(false)
      expect(await getWithCookies(page, `${serve.origin}/`)).toMatchObject({
        failed: expect.any(String),
      })
      // Signing the owner out would be a nuisance: refused by Origin, the session stays.
      expect(await postNoCors(page, `${serve.origin}/logout`, '')).toEqual({ opaque: true })
      await formPost(page, `${serve.origin}/logout`, 'x', 'y')
      for (const guess of ['aaaaaaaaaaaaaaaa', serve.token.slice(1), 'x'])
        expect(await imageGet(page, `${serve.origin}/?token=${guess}`)).toBe('error')

      const still = await context.request.get(`${serve.origin}/`)
      expect(still.status()).toBe(200)
      await expect(victim.locator('html')).toHaveAttribute('data-engine', 'connected')
      await expectUnharmed(target, before)
    } finally {
      await target.stop()
    }
  })
})
