import { readdir } from 'node:fs/promises'
import { makeBody } from '../test/fault-server.ts'
import { drop, expect, row, test } from './window-fixtures.ts'

// What a person's clicks change, checked where it lands (the disk, the engine), in Debian's
// Chromium against `downpour serve` and the fault server (issue 26).

const MiB = 1024 * 1024

test('Remove with "Also delete the partial files" deletes every .part and .part.downpour, paused or running', async ({
  page,
  win,
}) => {
  const names = ['slow-a.iso', 'slow-b.iso']
  for (const [i, name] of names.entries())
    win.files.file(`/${name}`, makeBody(16 * MiB, 40 + i), { rateLimit: 256 * 1024 })
  await win.open(page)
  await drop(page, { uriList: names.map((n) => win.files.url(`/${n}`)).join('\n') })
  await page.getByRole('button', { name: 'Add 2 downloads' }).click()
  for (const name of names) await expect(row(page, name)).toContainText('Downloading')
  // Both have partial data on disk before the removal: one paused, one still running.
  await expect
    .poll(async () => (await readdir(win.downloads)).sort(), { timeout: 15_000 })
    .toEqual([
      'slow-a.iso.part',
      'slow-a.iso.part.downpour',
      'slow-b.iso.part',
      'slow-b.iso.part.downpour',
    ])
  await row(page, 'slow-a.iso').getByRole('button', { name: 'Pause slow-a.iso' }).click()
  await expect(row(page, 'slow-a.iso')).toContainText('Paused')

  await row(page, 'slow-a.iso').click({ position: { x: 80, y: 12 } })
  await page.keyboard.press('Control+A')
  await page.keyboard.press('Delete')
  const confirm = page.getByRole('dialog', { name: 'Remove 2 downloads?' })
  await confirm.getByRole('checkbox', { name: 'Also delete the partial files' }).check()
  await confirm.getByRole('button', { name: 'Remove' }).click()
  for (const name of names) await expect(row(page, name)).toHaveCount(0)
  await expect.poll(async () => readdir(win.downloads)).toEqual([])
})

test('"Downloads at once" takes 250, and refuses 5,000 with a sentence under the field', async ({
  page,
  win,
}) => {
  await win.open(page)
  await page.getByRole('button', { name: 'Settings' }).click()
  const dialog = page.getByRole('dialog', { name: 'Settings' })
  const field = dialog.getByRole('textbox', { name: 'Downloads at once' })
  await field.fill('5000')
  await field.press('Enter')
  await expect(dialog.getByRole('alert')).toHaveText('must be at most 1,000 at once')
  await field.fill('250')
  await field.press('Enter')
  await expect(dialog.getByRole('alert')).toHaveCount(0)
  await expect(dialog.getByText('Saved')).toBeVisible()
})
