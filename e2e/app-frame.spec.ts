import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test } from '@playwright/test'
import type { Page } from '@playwright/test'
import { startServe, type ServeProcess } from '../test/run-serve.ts'
import { emptyHeading, expectEmptyAppFrame } from './app-frame-expectations.ts'
import type { BrowserGlobals } from './browser-globals.ts'

// The built UI (`electron-vite build`, run by `npm run test:e2e`) served by `downpour serve`
// (a real process, with its engine): same React app, same CSP, in Debian's Chromium.

let root: string
let server: ServeProcess
/** The printed address, token included: the first visit signs the browser in. */
let baseUrl: string

test.beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'downpour-frame-e2e-'))
  server = await startServe(['--dir', join(root, 'downloads')], { state: join(root, 'state') })
  baseUrl = server.url
})

test.afterAll(async () => {
  server.child.kill('SIGTERM')
  await server.exited
  await rm(root, { recursive: true, force: true })
})

/** Opens the app and fails the test on any console error, CSP violations included. */
async function openApp(page: Page): Promise<string[]> {
  const problems: string[] = []
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') problems.push(message.text())
  })
  page.on('pageerror', (error) => problems.push(error.message))
  await page.goto(baseUrl)
  return problems
}

/** Fires a drag event at the page as the OS would for links dragged in from a browser. */
async function drag(
  page: Page,
  type: 'dragenter' | 'dragover' | 'dragleave' | 'drop',
): Promise<void> {
  const dataTransfer = await page.evaluateHandle(() => {
    const { DataTransfer } = globalThis as unknown as BrowserGlobals
    const data = new DataTransfer()
    data.setData('text/uri-list', 'https://example.com/file.iso')
    return data
  })
  await page.getByRole('heading', { name: emptyHeading }).dispatchEvent(type, { dataTransfer })
}

test('shows the empty app frame', async ({ page }) => {
  const problems = await openApp(page)
  await expectEmptyAppFrame(page)
  // In a browser tab the title bar is a plain header, not a window drag region.
  await expect(page.locator('html')).toHaveAttribute('data-shell', 'web')
  expect(problems).toEqual([])
})

test('Add URLs opens the add dialog, from the mouse and from the keyboard', async ({ page }) => {
  await openApp(page)
  const addUrls = page.getByRole('button', { name: 'Add URLs' })
  const dialog = page.getByRole('dialog', { name: 'Add downloads' })
  await addUrls.click()
  await expect(dialog.getByRole('textbox', { name: /URLs/ })).toBeFocused()
  await page.keyboard.press('Escape')
  await expect(dialog).toBeHidden()
  await expect(addUrls).toBeFocused()
  await page.keyboard.press('Enter')
  await expect(dialog).toBeVisible()
  await dialog.getByRole('button', { name: 'Cancel' }).click()
  await expectEmptyAppFrame(page)
})

test('highlights the window while links are dragged over it', async ({ page }) => {
  await openApp(page)
  const main = page.getByRole('main')
  const highlight = (): Promise<string> =>
    main.evaluate(
      (element) =>
        (globalThis as unknown as BrowserGlobals).getComputedStyle(element, '::after').opacity,
    )
  await expect(main).toHaveAttribute('data-drag-over', 'false')

  await drag(page, 'dragenter')
  await expect(main).toHaveAttribute('data-drag-over', 'true')
  await expect.poll(highlight).toBe('1')

  await drag(page, 'dragleave')
  await expect(main).toHaveAttribute('data-drag-over', 'false')
  await expect.poll(highlight).toBe('0')

  await drag(page, 'dragenter')
  await drag(page, 'dragover')
  await drag(page, 'drop')
  await expect(main).toHaveAttribute('data-drag-over', 'false')
  // The drop opens the add dialog with its link; nothing starts before confirming.
  const dialog = page.getByRole('dialog', { name: 'Add downloads' })
  await expect(dialog.getByRole('status')).toHaveText('1 download')
  await page.keyboard.press('Escape')
  await expect(dialog).toBeHidden()
  await expectEmptyAppFrame(page)
})

test('follows the system dark and light themes', async ({ page }) => {
  await openApp(page)
  const body = page.locator('body')
  await page.emulateMedia({ colorScheme: 'light' })
  await expect(body).toHaveCSS('background-color', 'rgb(246, 247, 249)')
  await page.emulateMedia({ colorScheme: 'dark' })
  await expect(body).toHaveCSS('background-color', 'rgb(21, 23, 27)')
})

test('sends the security headers with the page', async ({ request }) => {
  const response = await request.get(baseUrl)
  expect(response.headers()['content-security-policy']).toContain("default-src 'self'")
  expect(response.headers()['x-content-type-options']).toBe('nosniff')
})
