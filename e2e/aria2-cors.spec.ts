import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { expect, test } from '@playwright/test'
import { makeBody, startFaultServer, type FaultServer } from '../test/fault-server.ts'
import { makeDirs, startEngine, type TestEngine } from '../test/engine-harness.ts'
import { createAria2RpcServer, type Aria2RpcServer } from '../src/server/aria2/aria2-rpc-server.ts'

// A web page on another origin (AriaNg's hosted copy, an extension's page) calls Downpour's
// aria2 RPC from Chromium: the preflight and the answers carry aria2's CORS headers, so the
// page reads them; without the secret it reads `Unauthorized`.
const SECRET = 'cors-secret-of-sixteen-plus'
let page: Server
let pageUrl: string
let fault: FaultServer
let dirs: Awaited<ReturnType<typeof makeDirs>>
let engine: TestEngine
let rpc: Aria2RpcServer

test.beforeAll(async () => {
  fault = await startFaultServer()
  fault.file('/from-page.bin', makeBody(20_000, 1))
  dirs = await makeDirs()
  engine = await startEngine({ downloads: dirs.downloads, state: dirs.state })
  rpc = await createAria2RpcServer({ engine, secret: SECRET, port: 0 })
  page = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html' })
    res.end('<!doctype html><title>another origin</title>')
  })
  await new Promise<void>((resolve) => page.listen(0, '127.0.0.1', resolve))
  pageUrl = `http://127.0.0.1:${(page.address() as AddressInfo).port}/`
})

test.afterAll(async () => {
  await new Promise<void>((resolve) => page.close(() => resolve()))
  await rpc.close()
  await engine.close()
  await fault.close()
  await dirs.cleanup()
})

type Answer = { status: number; body: { result?: unknown; error?: { message: string } } }

test('a page on another origin adds a download with the secret and gets Unauthorized without it', async ({
  page: tab,
}) => {
  await tab.goto(pageUrl)
  const call = (params: unknown[]) =>
    tab.evaluate(
      async ({ url, params }): Promise<Answer> => {
        // application/json, as AriaNg and Aria2 Explorer send: the browser preflights it.
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ jsonrpc: '2.0', id: 'page', method: 'aria2.addUri', params }),
        })
        return { status: res.status, body: (await res.json()) as Answer['body'] }
      },
      { url: rpc.url, params },
    )
  const added = await call([`token:${SECRET}`, [fault.url('/from-page.bin')]])
  expect(added.status).toBe(200)
  expect(added.body.result).toMatch(/^[0-9a-f]{16}$/)
  const refused = await call([[fault.url('/from-page.bin')]])
  expect(refused).toEqual({
    status: 400,
    body: { id: 'page', jsonrpc: '2.0', error: { code: 1, message: 'Unauthorized' } },
  })
  const downloads = (await engine.snapshot()).downloads
  expect(downloads.map((d) => d.url)).toEqual([fault.url('/from-page.bin')])
})
