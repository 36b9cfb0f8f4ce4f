import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test } from '@playwright/test'
import type { Page } from '@playwright/test'
import { BUILT_CLI, startServe, type ServeProcess } from '../test/run-serve.ts'

// `downpour serve` as a person runs it (a real process, the built UI in out/renderer from
// `npm run test:e2e`'s build), opened in Debian's Chromium with the printed address.

let root: string
let serve: ServeProcess | undefined

test.beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'downpour-serve-e2e-'))
})

test.afterEach(async () => {
  if (serve && serve.child.exitCode === null && serve.child.signalCode === null) {
    serve.child.kill('SIGKILL')
    await serve.exited
  }
  serve = undefined
  await rm(root, { recursive: true, force: true })
})

async function start(port = 0, cli?: string): Promise<ServeProcess> {
  serve = await startServe(['--port', String(port), '--dir', join(root, 'downloads')], {
    state: join(root, 'state'),
    ...(cli ? { cli } : {}),
  })
  return serve
}

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

function collectProblems(page: Page): string[] {
  const problems: string[] = []
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text())
  })
  page.on('pageerror', (error) => problems.push(error.message))
  return problems
}

test('the printed address signs the browser in and the page connects to the engine', async ({
  page,
}) => {
  const server = await start()
  const problems = collectProblems(page)
  await page.goto(server.url)
  // The token is traded for a cookie and leaves the address bar (and the history).
  expect(page.url()).toBe(`${server.origin}/`)
  await expect(page).toHaveTitle('Downpour')
  await expect(page.locator('html')).toHaveAttribute('data-shell', 'web')
  await expect(page.locator('html')).toHaveAttribute('data-engine', 'connected')
  const cookies = await page.context().cookies()
  expect(cookies).toHaveLength(1)
  expect(cookies[0]).toMatchObject({ httpOnly: true, sameSite: 'Strict' })
  expect(cookies[0]!.value).not.toContain(server.token)
  expect(problems).toEqual([])

  // Reloading keeps the session; without the cookie the server asks for the address again.
  await page.reload()
  await expect(page.locator('html')).toHaveAttribute('data-engine', 'connected')
  await page.context().clearCookies()
  const response = await page.goto(`${server.origin}/`)
  expect(response?.status()).toBe(401)
  await expect(page.getByRole('heading', { name: 'Downpour needs its access link' })).toBeVisible()
})

test('a wrong token is refused', async ({ page }) => {
  const server = await start()
  const response = await page.goto(`${server.origin}/?token=not-the-right-token-at-all`)
  expect(response?.status()).toBe(401)
  expect(await page.context().cookies()).toEqual([])
})

test('a restart signs the page out: it says so instead of retrying, and the address signs it in again', async ({
  page,
}) => {
  const port = await freePort()
  const first = await start(port)
  await page.goto(first.url)
  const html = page.locator('html')
  await expect(html).toHaveAttribute('data-engine', 'connected')

  first.child.kill('SIGTERM')
  expect((await first.exited).code).toBe(0)
  await expect(html).toHaveAttribute('data-engine', /reconnecting|failed/)

  // Sessions live in the server's memory: the restarted server (same state folder, same token)
  // does not know the browser's cookie, and the page says so instead of retrying for ever.
  const second = await start(port)
  await expect(html).toHaveAttribute('data-engine', 'failed', { timeout: 20_000 })
  await expect(page.getByText('The server no longer accepts this browser.')).toBeVisible()
  await page.goto(second.url)
  await expect(html).toHaveAttribute('data-engine', 'connected')
})

test('Sign out ends the session: the page shows the sign-in page and the old cookie is refused', async ({
  page,
}) => {
  const server = await start()
  await page.goto(server.url)
  await expect(page.locator('html')).toHaveAttribute('data-engine', 'connected')
  const [cookie] = await page.context().cookies()
  await page.getByRole('button', { name: 'Settings' }).click()
  await page.getByRole('button', { name: 'Sign out' }).click()
  await expect(page.getByRole('heading', { name: 'Downpour needs its access link' })).toBeVisible()
  expect(await page.context().cookies()).toEqual([])
  // The value the browser held is dead on the server too, not just forgotten by the browser.
  const replay = await fetch(`${server.origin}/`, {
    headers: { cookie: `${cookie!.name}=${cookie!.value}` },
  })
  expect(replay.status).toBe(401)
})

test('the bundled out/main/cli.js finds the built UI by itself and serves it', async ({ page }) => {
  // Its serve code sits in out/main/chunks/: the UI was looked for in out/main/renderer.
  const server = await start(0, BUILT_CLI)
  await page.goto(server.url)
  await expect(page).toHaveTitle('Downpour')
  await expect(page.locator('html')).toHaveAttribute('data-engine', 'connected')
})
