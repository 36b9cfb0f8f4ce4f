import { readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { makeBody } from '../test/fault-server.ts'
import { drop, expect, row, sha256, sha256File, test } from './window-fixtures.ts'

// Downloading a list again, in Debian's Chromium against `downpour serve` and the fault server.

test('a finished list whose files were deleted: dropped again, "Download all again" brings every file back under its name', async ({
  page,
  win,
}) => {
  const names = ['one.bin', 'two.iso', 'three.zip']
  const bodies = names.map((_, i) => makeBody(200_000 + i * 10_000, 40 + i))
  names.forEach((name, i) => win.files.file(`/${name}`, bodies[i]!))
  const list = names.map((n) => win.files.url(`/${n}`)).join('\r\n')
  await win.open(page)

  await drop(page, { uriList: list })
  const dialog = page.getByRole('dialog', { name: 'Add downloads' })
  await dialog.getByRole('button', { name: 'Add 3 downloads' }).click()
  await expect(dialog).toBeHidden()
  for (const name of names)
    await expect(row(page, name)).toContainText('Completed', { timeout: 20_000 })

  // Deleted behind the window's back; a new window (a reload) looks at the rows it shows.
  for (const name of names) await rm(join(win.downloads, name))
  await page.reload()
  for (const name of names)
    await expect(row(page, name)).toContainText('Completed — file missing', { timeout: 10_000 })

  const gets = (name: string) =>
    win.files.requests(`/${name}`).filter((r) => r.method === 'GET').length
  const before = names.map(gets)
  await drop(page, { uriList: list })
  await expect(dialog.getByText('3 URLs are already in the queue')).toBeVisible()
  const preview = dialog.getByRole('region', { name: 'Preview' })
  for (const name of names)
    await expect(preview.getByRole('listitem').filter({ hasText: name })).toContainText(
      `in ${win.downloads} — file missing`,
    )
  // Nothing new in the list, but everything can be fetched again: never "Nothing to add".
  await expect(dialog.getByRole('button', { name: 'Nothing to add' })).toHaveCount(0)
  await expect(dialog.getByRole('button', { name: 'Download 3 files again' })).toBeVisible()
  await dialog.getByRole('button', { name: 'Download all again' }).click()
  await dialog.getByRole('button', { name: 'Add 3 downloads (3 again)' }).click()
  await expect(dialog).toBeHidden()

  for (const name of names)
    await expect(row(page, name).filter({ hasNotText: 'missing' })).toContainText('Completed', {
      timeout: 20_000,
    })
  // The old rows were replaced: one row a file, each under its own name again.
  await expect(page.getByRole('grid', { name: 'Downloads' }).getByRole('row')).toHaveCount(
    names.length + 1, // the header row
  )
  expect((await readdir(win.downloads)).sort()).toEqual([...names].sort())
  for (const [i, name] of names.entries())
    expect(await sha256File(join(win.downloads, name))).toBe(sha256(bodies[i]!))
  // Each file was fetched again from the server (not found somewhere and left alone).
  for (const [i, name] of names.entries()) expect(gets(name)).toBeGreaterThan(before[i]!)
})

test("a row's Download again sends the cookie and referer its list gave, and puts the file back under its name", async ({
  page,
  win,
}) => {
  const body = makeBody(150_000, 60)
  win.files.file('/members.bin', body)
  const list = [
    win.files.url('/members.bin'),
    ' header=Cookie: session=abc123',
    ' header=Referer: http://pages.example/list',
  ].join('\n')
  await win.open(page)
  await drop(page, { text: list })
  const dialog = page.getByRole('dialog', { name: 'Add downloads' })
  await dialog.getByRole('button', { name: 'Add 1 download' }).click()
  await expect(dialog).toBeHidden()
  await expect(row(page, 'members.bin')).toContainText('Completed', { timeout: 20_000 })

  await rm(join(win.downloads, 'members.bin'))
  await page.reload()
  await expect(row(page, 'members.bin')).toContainText('Completed — file missing', {
    timeout: 10_000,
  })
  const before = win.files.requests('/members.bin').length
  await row(page, 'members.bin').click({ button: 'right' })
  await page.getByRole('menuitem', { name: 'Download again' }).click()
  await expect(row(page, 'members.bin').filter({ hasNotText: 'missing' })).toContainText(
    'Completed',
    { timeout: 20_000 },
  )
  const again = win.files.requests('/members.bin').slice(before)
  expect(again.length).toBeGreaterThan(0)
  for (const request of again) {
    expect(request.headers.cookie).toBe('session=abc123')
    expect(request.headers.referer).toBe('http://pages.example/list')
  }
  expect(await readdir(win.downloads)).toEqual(['members.bin'])
  expect(await sha256File(join(win.downloads, 'members.bin'))).toBe(sha256(body))
})
