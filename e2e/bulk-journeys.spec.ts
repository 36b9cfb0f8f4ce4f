import type { Page } from '@playwright/test'
import { makeBody } from '../test/fault-server.ts'
import { connectClient } from '../test/run-serve.ts'
import type { DownloadSnapshot } from '../src/shared/protocol/model.ts'
import { drop, expect, test } from './window-fixtures.ts'
import type { WindowFixture } from './window-fixtures.ts'

// Ten thousand at once (issue 24): a dropped list of 10,000 URLs added, paused, resumed and
// removed through the window, in Debian's Chromium against `downpour serve` and the fault
// server. Each step is checked on the rows and on what the engine holds.

const COUNT = 10_000

/** The engine's downloads, read by a second client. */
async function engineDownloads(win: WindowFixture): Promise<DownloadSnapshot[]> {
  const { socket, client } = await connectClient(win.serve.origin, {
    authorization: `Bearer ${win.serve.token}`,
  })
  try {
    return (await client.snapshot()).downloads
  } finally {
    client.dispose()
    socket.close()
  }
}

/** A filter tab's count, as the window shows it. */
const tabCount = (page: Page, kind: string) =>
  page.locator(`.filter[data-kind="${kind}"] .filter__count`)

/** The rows drawn (the grid is virtualized: a screenful), as text. */
const drawnRows = (page: Page) =>
  page
    .getByRole('grid', { name: 'Downloads' })
    .locator('[role="row"][data-id]')
    .evaluateAll((rows) => rows.map((r) => r.textContent ?? ''))

test('10,000 dropped URLs: add, Pause all, Resume all, select all and Remove', async ({
  page,
  win,
}) => {
  test.setTimeout(120_000)
  // One body for every file (10,000 routes, one buffer), served slowly: nothing completes
  // during the journey, so every download is in the state the step put it in.
  const body = makeBody(1024 * 1024, 24)
  const urls: string[] = []
  for (let i = 0; i < COUNT; i++) {
    win.files.file(`/bulk/f-${i}.bin`, body, { rateLimit: 4096 })
    urls.push(win.files.url(`/bulk/f-${i}.bin`))
  }
  await win.open(page)
  await win.settings({ maxConcurrentDownloads: 100, maxConnectionsPerDownload: 1 })

  // Drop: the add dialog previews the 10,000, the confirm adds them.
  // Links dragged in from a browser (text/uri-list). Before the add dialog built its preview
  // outside the render, 10,000 of them never opened it: the engine's beats kept restarting it.
  await drop(page, { uriList: urls.join('\r\n') })
  const dialog = page.getByRole('dialog', { name: 'Add downloads' })
  await dialog.getByRole('button', { name: 'Add 10,000 downloads' }).click({ timeout: 30_000 })
  await expect(dialog).toBeHidden()
  await expect(tabCount(page, 'all')).toHaveText('10,000', { timeout: 30_000 })
  await expect(tabCount(page, 'active')).not.toHaveText('0')
  const added = await engineDownloads(win)
  expect(added).toHaveLength(COUNT)
  expect(new Set(added.map((d) => d.url))).toEqual(new Set(urls))

  // Pause all: every count, every drawn row, every download in the engine.
  await page.getByRole('button', { name: 'Pause all' }).click()
  await expect(tabCount(page, 'paused')).toHaveText('10,000', { timeout: 20_000 })
  expect((await drawnRows(page)).every((text) => text.includes('Paused'))).toBe(true)
  expect((await engineDownloads(win)).every((d) => d.state === 'paused')).toBe(true)
  await expect(page.locator('[data-health="dead"]')).toHaveCount(0)

  // Resume all: none paused anywhere; some running again.
  await page.getByRole('button', { name: 'Resume all' }).click()
  await expect(tabCount(page, 'paused')).toHaveText('0', { timeout: 20_000 })
  expect((await drawnRows(page)).some((text) => text.includes('Paused'))).toBe(false)
  const resumed = await engineDownloads(win)
  expect(resumed.filter((d) => d.state === 'paused')).toEqual([])
  await expect(tabCount(page, 'active')).not.toHaveText('0')

  // Select all, Delete, confirm: the list and the engine's queue are empty.
  await page.locator('[role="row"][data-id]').first().click()
  await page.keyboard.press('Control+a')
  await page.keyboard.press('Delete')
  const confirm = page.getByRole('dialog', { name: 'Remove 10,000 downloads?' })
  await confirm.getByRole('button', { name: 'Remove', exact: true }).click()
  await expect(tabCount(page, 'all')).toHaveText('0', { timeout: 20_000 })
  await expect(page.locator('[role="row"][data-id]')).toHaveCount(0)
  expect(await engineDownloads(win)).toEqual([])
})
