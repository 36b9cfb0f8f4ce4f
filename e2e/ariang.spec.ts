import { spawnSync } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { extname, join, normalize } from 'node:path'
import { expect, test, type Page } from '@playwright/test'
import { Aria2TestClient } from '../test/aria2-rpc-client.ts'
import { startAria2c } from '../test/aria2c-rpc.ts'
import { makeBody, startFaultServer, type FaultServer } from '../test/fault-server.ts'
import { startServe, writeTestUi, type ServeProcess } from '../test/run-serve.ts'

// AriaNg 1.3.14's built page (test/fixtures/ariang, MIT) in Chromium, pointed at the aria2 RPC
// of `downpour serve` and, for reference, of Debian's aria2c: the task detail's Overview,
// Pieces and Files tabs and the aria2 settings pages show what each answers.

const SECRET = 'ariang-secret-of-sixteen-plus'
const FIXTURE = join(import.meta.dirname, '..', 'test', 'fixtures', 'ariang')
const hasAria2 = spawnSync('aria2c', ['--version']).status === 0

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.ico': 'image/x-icon',
}

let page: Server
let pageUrl: string
let files: FaultServer
let root: string

test.beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'downpour-ariang-'))
  files = await startFaultServer()
  files.file('/slow.bin', makeBody(3_000_000, 7), { rateLimit: 150_000 })
  page = createServer((req, res) => {
    const path = normalize(new URL(req.url ?? '/', 'http://x').pathname).replace(/^\/+/, '')
    const file = join(FIXTURE, path === '' ? 'index.html' : path)
    if (!file.startsWith(FIXTURE)) return void res.writeHead(404).end()
    readFile(file).then(
      (body) =>
        res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'text/plain' }).end(body),
      () => res.writeHead(404).end(),
    )
  })
  await new Promise<void>((resolve) => page.listen(0, '127.0.0.1', resolve))
  pageUrl = `http://127.0.0.1:${(page.address() as AddressInfo).port}/index.html`
})

test.afterAll(async () => {
  await new Promise<void>((resolve) => page?.close(() => resolve()))
  await files?.close()
  await rm(root, { recursive: true, force: true })
})

type Target = { port: number; dir: string; close(): Promise<void> }

async function startDownpour(): Promise<Target> {
  const dir = join(root, 'downpour')
  const serve: ServeProcess = await startServe(['--dir', dir, '--rpc-secret', SECRET], {
    state: join(root, 'state'),
    uiDir: await writeTestUi(join(root, 'ui')),
  })
  return {
    port: Number(new URL(serve.origin).port),
    dir,
    close: async () => {
      serve.child.kill('SIGTERM')
      await serve.exited
    },
  }
}

async function startAria2(): Promise<Target> {
  const dir = join(root, 'aria2')
  const aria2 = await startAria2c({ dir, secret: SECRET })
  return { port: aria2.port, dir, close: aria2.close }
}

/** Points AriaNg at the target over WebSocket (its own `#!/settings/rpc/set/…` link). */
async function connect(tab: Page, target: Target): Promise<void> {
  const secret = Buffer.from(SECRET).toString('base64url')
  await tab.goto(`${pageUrl}#!/settings/rpc/set/ws/127.0.0.1/${target.port}/jsonrpc/${secret}`)
  await expect(tab.locator('body')).toContainText('Connected', { timeout: 15_000 })
}

/** Each option row of an aria2 settings page now: its key and the value AriaNg shows ('' blank). */
function optionRows(tab: Page): Promise<[string, string][]> {
  return tab.locator('[data-option-key]').evaluateAll((els) =>
    els.map((el) => {
      const field = el.querySelector('input,select,textarea') as unknown as {
        value: string
        classList: { contains(name: string): boolean }
      } | null
      const value = field?.value ?? el.querySelector('pre')?.textContent ?? ''
      // A select with nothing chosen reads "?…" (AriaNg marks it `placeholder`).
      const blank =
        field?.classList.contains('placeholder') === true || value === '' || value.startsWith('?')
      return [el.getAttribute('data-option-key')!, blank ? '' : value] as [string, string]
    }),
  )
}

for (const which of ['downpour', 'aria2c'] as const) {
  test.describe(`AriaNg against ${which}`, () => {
    test.skip(which === 'aria2c' && !hasAria2, 'aria2c is not installed (apt-get install -y aria2)')
    let target: Target
    test.beforeAll(async () => {
      target = which === 'downpour' ? await startDownpour() : await startAria2()
    })
    test.afterAll(async () => target?.close())

    test('the task detail shows Overview, Pieces (from the bitfield) and Files of a download it added', async ({
      page: tab,
    }) => {
      const client = new Aria2TestClient(`http://127.0.0.1:${target.port}/jsonrpc`, SECRET)
      const gid = await client.call<string>('aria2.addUri', [files.url('/slow.bin')], {})
      await client.waitStatus(gid, ['active'])
      await connect(tab, target)
      await tab.goto(`${pageUrl}#!/task/detail/${gid}`)
      const main = tab.locator('.content-wrapper')
      await expect(main).toContainText('slow.bin')
      // Overview: the size, once the server told it.
      await expect(main).toContainText('2.86 MB', { timeout: 10_000 })
      await tab.getByText('Pieces', { exact: true }).click()
      const pieces = tab.locator('.piece-map .piece')
      await expect.poll(() => pieces.count()).toBeGreaterThan(1)
      // A piece is 1 MiB and each connection gets 150 kB/s: the first one completes after ~7 s.
      await expect
        .poll(() => tab.locator('.piece-map .piece-completed').count(), { timeout: 20_000 })
        .toBeGreaterThan(0)
      await tab.getByText('Files', { exact: true }).first().click()
      await expect(main).toContainText(join(target.dir, 'slow.bin').split('/').pop()!)
      // Stopped if still running (several connections may have finished it meanwhile).
      await client.call('aria2.forceRemove', gid).catch(() => {})
    })

    test('the aria2 settings pages show every option the server answers', async ({ page: tab }) => {
      const client = new Aria2TestClient(`http://127.0.0.1:${target.port}/jsonrpc`, SECRET)
      const global = await client.call<Record<string, string>>('aria2.getGlobalOption')
      await connect(tab, target)
      let shown = 0
      for (const section of ['basic', 'http-ftp-sftp', 'http', 'rpc', 'advanced']) {
        await tab.goto(`${pageUrl}#!/settings/aria2/${section}`)
        await expect(tab.locator('[data-option-key]').first()).toBeVisible()
        // What the server answers (not empty) is on the page; what it leaves out stays blank.
        // The values come with getGlobalOption after the rows are drawn: polled until they match.
        const expected = async () =>
          (await optionRows(tab)).filter(([key]) => (global[key] ?? '') !== '').map(([key]) => key)
        const keys = await expected()
        await expect
          .poll(async () =>
            (await optionRows(tab)).filter(([, value]) => value !== '').map(([key]) => key),
          )
          .toEqual(keys)
        shown += keys.length
      }
      // Not a blank page: Downpour answers 25 of these pages' options, aria2c 85 (the others are
      // aria2's own: RPC listener, console, mmap, DNS… see docs/architecture.md).
      expect(shown).toBeGreaterThanOrEqual(25)
      await tab.goto(`${pageUrl}#!/settings/aria2/basic`)
      await expect.poll(async () => new Map(await optionRows(tab)).get('dir')).toBe(target.dir)
      const basic = new Map(await optionRows(tab))
      expect(basic.get('max-concurrent-downloads')).toBe(global['max-concurrent-downloads'])
    })
  })
}
