import { AxeBuilder } from '@axe-core/playwright'
import { makeBody } from '../test/fault-server.ts'
import { connectClient } from '../test/run-serve.ts'
import { expect, row, test } from './window-fixtures.ts'
import type { WindowFixture } from './window-fixtures.ts'

// Settings journeys in Debian's Chromium against `downpour serve`: what the window sets is what
// the engine stores, seen by a second client and after a reload.

async function engineSettings(win: WindowFixture) {
  const { socket, client } = await connectClient(win.serve.origin, {
    authorization: `Bearer ${win.serve.token}`,
  })
  const { settings } = await client.snapshot()
  client.dispose()
  socket.close()
  return settings
}

test('set a global speed limit from the status bar; the engine keeps it across a reload', async ({
  page,
  win,
}) => {
  await win.open(page)
  const status = page.getByRole('contentinfo', { name: 'Engine status' })
  await status.getByRole('button', { name: 'No speed limit' }).click()
  const panel = page.getByRole('dialog', { name: 'Global speed limit' })

  // A bad rate: the engine's reason, next to the field, and nothing changed.
  await panel.getByRole('textbox', { name: 'Custom limit' }).fill('fast')
  await panel.getByRole('button', { name: 'Set limit' }).click()
  await expect(panel.getByRole('alert')).toContainText('is not a size')
  expect((await engineSettings(win)).maxOverallDownloadLimit).toBe(0)

  await panel.getByRole('textbox', { name: 'Custom limit' }).fill('256K')
  await panel.getByRole('button', { name: 'Set limit' }).click()
  await expect(status.getByRole('button', { name: 'Limit 256 KiB/s' })).toBeVisible()
  expect((await engineSettings(win)).maxOverallDownloadLimit).toBe(256 * 1024)

  // The download slows: over a measured window it moves far below the server's 4 MiB/s (the
  // bound is 4× the limit, so a slow machine cannot fail it; only a missing limit can).
  win.files.file('/big.bin', makeBody(64 * 1024 * 1024, 7), { rateLimit: 4 * 1024 * 1024 })
  const { socket, client } = await connectClient(win.serve.origin, {
    authorization: `Bearer ${win.serve.token}`,
  })
  const { added } = await client.add([{ url: win.files.url('/big.bin') }])
  const id = added[0]!.id
  const done = async () => (await client.snapshot()).downloads.find((d) => d.id === id)!.done
  await expect.poll(done, { timeout: 15_000 }).toBeGreaterThan(0)
  const [d0, t0] = [await done(), performance.now()]
  await page.waitForTimeout(3000)
  const [d1, t1] = [await done(), performance.now()]
  expect((d1 - d0) / ((t1 - t0) / 1000)).toBeLessThan(1024 * 1024)
  await client.remove({ ids: [id] }, { deleteFiles: true })
  client.dispose()
  socket.close()

  await page.reload()
  await expect(status.getByRole('button', { name: 'Limit 256 KiB/s' })).toBeVisible()
  await status.getByRole('button', { name: 'Limit 256 KiB/s' }).click()
  await page.getByRole('radio', { name: 'No limit' }).click()
  await expect(status.getByRole('button', { name: 'No speed limit' })).toBeVisible()
  expect((await engineSettings(win)).maxOverallDownloadLimit).toBe(0)
})

test('a bad setting shows the engine reason under its field; a good one is stored', async ({
  page,
  win,
}) => {
  await win.open(page)
  await page.getByRole('button', { name: 'Settings' }).click()
  const dialog = page.getByRole('dialog', { name: 'Settings' })
  const wait = dialog.getByRole('textbox', { name: 'Wait between tries' })
  await wait.fill('soon')
  await wait.press('Enter')
  await expect(dialog.getByRole('alert')).toContainText('is not a duration')
  await expect(wait).toHaveAttribute('aria-invalid', 'true')

  await wait.fill('12s')
  await wait.press('Enter')
  await expect(dialog.getByRole('alert')).toHaveCount(0)
  await expect.poll(async () => (await engineSettings(win)).retryWaitMs).toBe(12_000)
})

test('the theme persists across a reload and reaches a second page', async ({ page, win }) => {
  await win.open(page)
  await page.getByRole('button', { name: 'Settings' }).click()
  await page.getByRole('combobox', { name: 'Theme' }).selectOption('dark')
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark')

  const second = await page.context().newPage()
  await second.goto(win.serve.url)
  await expect(second.locator('html')).toHaveAttribute('data-theme', 'dark')

  await page.reload()
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark')
  // A change on the second page reaches the first without a reload (ui/changed).
  await second.getByRole('button', { name: 'Settings' }).click()
  await second.getByRole('combobox', { name: 'Theme' }).selectOption('light')
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light')
  await second.close()
})

test('the settings view has no serious or critical accessibility violation', async ({
  page,
  win,
}) => {
  await win.open(page)
  await page.getByRole('button', { name: 'Settings' }).click()
  await expect(page.getByRole('dialog', { name: 'Settings' })).toBeVisible()
  // In the browser: the aria2 RPC address is this origin's, and there are no desktop choices.
  const dialog = page.getByRole('dialog', { name: 'Settings' })
  await expect(dialog.getByText(`${win.serve.origin}/jsonrpc`, { exact: true })).toBeVisible()
  await expect(dialog.getByRole('button', { name: 'Copy address' })).toBeVisible()
  await expect(dialog.getByRole('group', { name: 'Desktop' })).toHaveCount(0)
  const results = await new AxeBuilder({ page }).include('dialog').analyze()
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
  expect(bad.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual(
    [],
  )
  // The status bar's speed limit panel too.
  await page.keyboard.press('Escape')
  await page.getByRole('button', { name: 'No speed limit' }).click()
  const panel = await new AxeBuilder({ page }).include('.speed-limit__panel').analyze()
  expect(panel.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')).toEqual(
    [],
  )
})

test('Alt+Down reorders the queue and the order survives a reload', async ({ page, win }) => {
  await win.open(page)
  const { socket, client } = await connectClient(win.serve.origin, {
    authorization: `Bearer ${win.serve.token}`,
  })
  await client.add(
    ['one.bin', 'two.bin', 'three.bin'].map((n) => ({ url: win.files.url(`/${n}`), paused: true })),
  )
  client.dispose()
  socket.close()
  const names = () =>
    page
      .getByRole('grid', { name: 'Downloads' })
      .getByRole('row')
      .filter({ hasText: '.bin' })
      .evaluateAll((rows) => rows.map((r) => /(one|two|three)\.bin/.exec(r.textContent ?? '')?.[0]))
  await expect.poll(names).toEqual(['one.bin', 'two.bin', 'three.bin'])
  await row(page, 'one.bin').click()
  await page.keyboard.press('Alt+ArrowDown')
  await expect.poll(names).toEqual(['two.bin', 'one.bin', 'three.bin'])
  await page.keyboard.press('Alt+ArrowDown')
  await expect.poll(names).toEqual(['two.bin', 'three.bin', 'one.bin'])

  await page.reload()
  await expect.poll(names).toEqual(['two.bin', 'three.bin', 'one.bin'])
})
