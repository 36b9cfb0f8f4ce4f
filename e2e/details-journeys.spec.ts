import { join } from 'node:path'
import { AxeBuilder } from '@axe-core/playwright'
import type { Page } from '@playwright/test'
import { makeBody } from '../test/fault-server.ts'
import { drop, expect, row, sha256, sha256File, test } from './window-fixtures.ts'

// The details drawer and Change URL, in Debian's Chromium against `downpour serve` and the
// fault server.

const MiB = 1024 * 1024

const panel = (page: Page, name: string) => page.getByRole('region', { name: `Details of ${name}` })

/** Adds one URL through a drop and the add dialog. */
async function addOne(page: Page, url: string): Promise<void> {
  await drop(page, { uriList: url })
  await page.getByRole('button', { name: 'Add 1 download' }).click()
}

/** Selects the row and presses Enter, as a person at the keyboard would. */
async function openDetails(page: Page, name: string): Promise<void> {
  await row(page, name).click({ position: { x: 80, y: 12 } })
  await page.keyboard.press('Enter')
  await expect(panel(page, name)).toBeFocused()
}

async function pauseAt(page: Page, name: string, percent: number): Promise<void> {
  const bar = row(page, name).getByRole('progressbar')
  await expect
    .poll(async () => Number(await bar.getAttribute('aria-valuenow')), { timeout: 15_000 })
    .toBeGreaterThan(percent)
  await row(page, name)
    .getByRole('button', { name: `Pause ${name}` })
    .click()
  await expect(row(page, name)).toContainText('Paused')
}

async function changeUrl(page: Page, name: string, url: string): Promise<void> {
  await row(page, name).click({ button: 'right', position: { x: 80, y: 12 } })
  await page.getByRole('menuitem', { name: 'Change URL…' }).click()
  const dialog = page.getByRole('dialog', { name: 'Change URL' })
  await dialog.getByLabel('New URL').fill(url)
  await dialog.getByRole('button', { name: 'Change' }).click()
}

test('details of a running segmented download: connections on the map, the timeline, then Escape', async ({
  page,
  win,
}) => {
  const body = makeBody(8 * MiB, 31)
  win.files.file('/segmented.iso', body, { rateLimit: 256 * 1024 })
  await win.open(page)
  await addOne(page, win.files.url('/segmented.iso'))
  await expect(row(page, 'segmented.iso')).toContainText('Downloading')
  await openDetails(page, 'segmented.iso')

  const details = panel(page, 'segmented.iso')
  const map = details.getByTestId('connection-map-text')
  await expect(map).toHaveText(/^[2-4] connections; \d+ % done$/, { timeout: 15_000 })
  // The map moves with the transfer.
  const first = Number(/; (\d+) %/.exec((await map.textContent()) ?? '')?.[1])
  await expect
    .poll(async () => Number(/; (\d+) %/.exec((await map.textContent()) ?? '')?.[1]), {
      timeout: 15_000,
    })
    .toBeGreaterThan(first)
  await expect(details.getByRole('img', { name: /connections; \d+ % done/ })).toBeVisible()
  await expect(details.getByTestId('speed-graph-text')).toHaveText(/^Now .+\/s; peak .+\/s/)
  await expect(details.getByText(win.files.url('/segmented.iso')).first()).toBeVisible()
  await expect(
    details.getByText(join(win.downloads, 'segmented.iso'), { exact: true }),
  ).toBeVisible()
  const kinds = details.locator('.timeline__entry .timeline__kind')
  await expect(kinds.first()).toHaveText('Added')
  await expect(kinds.filter({ hasText: 'Attempt' }).first()).toBeVisible()

  await page.keyboard.press('Escape')
  await expect(details).toHaveCount(0)
  await expect(row(page, 'segmented.iso')).toBeFocused()
})

test('change URL of a paused download to a mirror: completes from its bytes, the mirror asked only what was missing', async ({
  page,
  win,
}) => {
  const body = makeBody(4 * MiB, 32)
  win.files.file('/expiring/video.mp4', body, { rateLimit: 512 * 1024 })
  win.files.file('/mirror/video.mp4', body)
  await win.open(page)
  await addOne(page, win.files.url('/expiring/video.mp4'))
  await pauseAt(page, 'video.mp4', 10)
  const servedByOld = win.files.bytesServed('/expiring/video.mp4')
  // The old link expires.
  win.files.file('/expiring/video.mp4', body, {
    fault: () => ({ kind: 'status', status: 403 }),
  })

  await changeUrl(page, 'video.mp4', win.files.url('/mirror/video.mp4'))
  await expect(page.getByRole('dialog', { name: 'Change URL' })).toHaveCount(0)
  // Paused it stays until the person resumes it (issue 26).
  await expect(row(page, 'video.mp4')).toContainText('Paused')
  await row(page, 'video.mp4').getByRole('button', { name: 'Resume video.mp4' }).click()
  await expect(row(page, 'video.mp4')).toContainText('Completed', { timeout: 25_000 })
  expect(await sha256File(join(win.downloads, 'video.mp4'))).toBe(sha256(body))
  const gets = win.files.requests('/mirror/video.mp4').filter((r) => r.method === 'GET')
  expect(gets.length).toBeGreaterThan(0)
  expect(gets.every((r) => (r.range?.start ?? 0) > 0)).toBe(true)
  // Nothing fetched twice beyond a chunk the pause cut off.
  expect(
    servedByOld + win.files.bytesServed('/mirror/video.mp4') - body.length,
  ).toBeLessThanOrEqual(MiB)
  expect(win.files.bytesServed('/mirror/video.mp4')).toBeLessThan(body.length)

  await openDetails(page, 'video.mp4')
  await expect(
    panel(page, 'video.mp4').locator('.timeline__kind').filter({ hasText: 'URL changed' }),
  ).toBeVisible()
})

test('a mirror with a different size is refused with the reason on screen, and nothing changes', async ({
  page,
  win,
}) => {
  const body = makeBody(4 * MiB, 33)
  win.files.file('/orig/data.bin', body, { rateLimit: 512 * 1024 })
  win.files.file('/other/data.bin', makeBody(3 * MiB, 34))
  await win.open(page)
  await addOne(page, win.files.url('/orig/data.bin'))
  await pauseAt(page, 'data.bin', 5)
  const progress = await row(page, 'data.bin')
    .getByRole('progressbar')
    .getAttribute('aria-valuenow')

  await changeUrl(page, 'data.bin', win.files.url('/other/data.bin'))
  const dialog = page.getByRole('dialog', { name: 'Change URL' })
  const alert = dialog.getByRole('alert')
  await expect(alert).toBeVisible()
  await expect(alert).toContainText(/size|same file/i)
  // The engine's words, verbatim: the dialog adds nothing to them.
  const reason = (await alert.textContent()) ?? ''
  expect(reason.length).toBeGreaterThan(10)
  await dialog.getByRole('button', { name: 'Cancel' }).click()
  await expect(row(page, 'data.bin')).toContainText('Paused')
  expect(await row(page, 'data.bin').getByRole('progressbar').getAttribute('aria-valuenow')).toBe(
    progress,
  )
  expect(
    win.files
      .requests('/other/data.bin')
      .filter((r) => r.method === 'GET' && (r.status ?? 0) < 300 && !r.range),
  ).toEqual([])

  await openDetails(page, 'data.bin')
  await expect(
    panel(page, 'data.bin').getByText(win.files.url('/orig/data.bin')).first(),
  ).toBeVisible()
})

test('the open details panel passes an accessibility audit', async ({ page, win }) => {
  test.setTimeout(90_000) // axe walks the whole page, slow on a loaded 2-core machine
  win.files.file('/audit.bin', makeBody(4 * MiB, 35), { rateLimit: 256 * 1024 })
  await win.open(page)
  await addOne(page, win.files.url('/audit.bin'))
  await expect(row(page, 'audit.bin')).toContainText('Downloading')
  await openDetails(page, 'audit.bin')
  await expect(panel(page, 'audit.bin').locator('.timeline__entry').first()).toBeVisible()
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme })
    const results = await new AxeBuilder({ page }).include('.details').analyze()
    expect(
      results.violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(' ')}`),
    ).toEqual([])
  }
})
