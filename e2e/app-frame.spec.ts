import { createServer } from 'node:http'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { expect, test } from '@playwright/test'
import type { Page } from '@playwright/test'
import { createStaticHandler } from '../src/server/static-files.ts'
import { addUrlsTooltip, emptyHeading, expectEmptyAppFrame } from './app-frame-expectations.ts'
import type { BrowserGlobals } from './browser-globals.ts'

// The built UI (`electron-vite build`, run by `npm run test:e2e`) served the way
// `downpour serve` serves it: same React app, same CSP, in Debian's Chromium.
const rendererDir = fileURLToPath(new URL('../out/renderer/', import.meta.url))

let server: Server
let baseUrl: string

test.beforeAll(async () => {
  server = createServer(createStaticHandler(rendererDir))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
})

test.afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()))
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

test('explains why Add URLs is unavailable, on hover and on keyboard focus', async ({ page }) => {
  await openApp(page)
  const tooltip = page.getByRole('tooltip')
  const addUrls = page.getByRole('button', { name: 'Add URLs' })
  await expect(tooltip).toBeHidden()

  await addUrls.hover()
  await expect(tooltip).toBeVisible()
  await expect(tooltip).toHaveText(addUrlsTooltip)
  await page.mouse.move(500, 500)
  await expect(tooltip).toBeHidden()

  // The bulk actions come first in the toolbar (Pause all, Resume all, Remove completed).
  for (let i = 0; i < 4; i++) await page.keyboard.press('Tab')
  await expect(addUrls).toBeFocused()
  await expect(tooltip).toBeVisible()
  await page.keyboard.press('Escape')
  await expect(tooltip).toBeHidden()

  // Disabled means disabled: clicking changes nothing on screen.
  await addUrls.click({ force: true })
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
  // The drop is kept in the add dialog, ready for when the engine is there.
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
