import { mkdir, readdir, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { makeBody } from '../test/fault-server.ts'
import { drop, expect, row, sha256, sha256File, test } from './window-fixtures.ts'

// A download folder that went away (issue 25), in Debian's Chromium against `downpour serve`:
// the rows say so, and "Choose another folder…" puts the downloads somewhere that exists.

const gone = (path: string) =>
  stat(path).then(
    () => false,
    () => true,
  )

test('a folder deleted before its downloads ran: the rows say the folder is gone; Choose another folder… once for both, and the files land there', async ({
  page,
  win,
}) => {
  const usb = join(win.root, 'usb')
  const first = makeBody(30_000, 70)
  const bodies = [makeBody(120_000, 71), makeBody(90_000, 72)]
  const names = ['photos.zip', 'videos.zip']
  win.files.file('/first.bin', first)
  names.forEach((name, i) => win.files.file(`/${name}`, bodies[i]!))
  await win.open(page)

  // The folder is used once (the engine now knows it was there)…
  await drop(page, { uriList: win.files.url('/first.bin') })
  const add = page.getByRole('dialog', { name: 'Add downloads' })
  await add.getByRole('textbox', { name: 'Destination folder' }).fill(usb)
  await add.getByRole('button', { name: 'Add 1 download' }).click()
  await expect(add).toBeHidden()
  await expect(row(page, 'first.bin')).toContainText('Completed', { timeout: 20_000 })
  // …then goes away (a drive unplugged), and two more are dropped into it.
  await rm(usb, { recursive: true })
  await drop(page, { uriList: names.map((n) => win.files.url(`/${n}`)).join('\r\n') })
  await add.getByRole('textbox', { name: 'Destination folder' }).fill(usb)
  await add.getByRole('button', { name: 'Add 2 downloads' }).click()
  await expect(add).toBeHidden()
  for (const name of names)
    await expect(row(page, name)).toContainText(`Failed — the folder ${usb} is gone`, {
      timeout: 20_000,
    })
  expect(await gone(usb)).toBe(true)

  // Both selected; the row's button asks once for the two.
  await row(page, names[0]!).click()
  await row(page, names[1]!).click({ modifiers: ['Shift'] })
  await row(page, names[1]!)
    .getByRole('button', { name: `Choose another folder… ${names[1]}` })
    .click()
  const choose = page.getByRole('dialog', { name: 'Choose another folder' })
  await expect(choose).toContainText(`2 downloads: ${names.join(', ')}`)
  await expect(choose).toContainText(`The folder ${usb} is gone`)
  const field = choose.getByRole('textbox', { name: 'Folder' })

  // A folder that is not there is refused in the engine's words; nothing is made.
  const elsewhere = join(win.root, 'elsewhere')
  await field.fill(elsewhere)
  await choose.getByRole('button', { name: 'Download here' }).click()
  await expect(choose.getByRole('alert')).toHaveText(
    `the folder ${elsewhere} does not exist: choose one that does`,
  )
  expect(await gone(elsewhere)).toBe(true)

  await mkdir(elsewhere)
  await choose.getByRole('button', { name: 'Download here' }).click()
  await expect(choose).toBeHidden()
  for (const name of names)
    await expect(row(page, name)).toContainText('Completed', { timeout: 20_000 })
  expect((await readdir(elsewhere)).sort()).toEqual([...names].sort())
  for (const [i, name] of names.entries())
    expect(await sha256File(join(elsewhere, name))).toBe(sha256(bodies[i]!))
  expect(await gone(usb)).toBe(true)
})

test('the details panel of a download whose folder is gone offers Choose another folder…', async ({
  page,
  win,
}) => {
  const usb = join(win.root, 'usb')
  const body = makeBody(40_000, 73)
  win.files.file('/a.bin', makeBody(10_000, 74))
  win.files.file('/b.bin', body)
  await win.open(page)
  const add = page.getByRole('dialog', { name: 'Add downloads' })
  for (const name of ['a.bin', 'b.bin']) {
    await drop(page, { uriList: win.files.url(`/${name}`) })
    await add.getByRole('textbox', { name: 'Destination folder' }).fill(usb)
    await add.getByRole('button', { name: 'Add 1 download' }).click()
    await expect(add).toBeHidden()
    if (name === 'a.bin') {
      await expect(row(page, 'a.bin')).toContainText('Completed', { timeout: 20_000 })
      await rm(usb, { recursive: true })
    }
  }
  await expect(row(page, 'b.bin')).toContainText(`the folder ${usb} is gone`, { timeout: 20_000 })
  await row(page, 'b.bin').click({ button: 'right' })
  await page.getByRole('menuitem', { name: 'Details' }).click()
  const details = page.getByRole('region', { name: 'Details of b.bin' })
  await details.getByRole('button', { name: 'Choose another folder…' }).click()
  const choose = page.getByRole('dialog', { name: 'Choose another folder' })
  await expect(choose).toContainText('b.bin')
  // Offered first: the default download folder.
  await expect(choose.getByRole('textbox', { name: 'Folder' })).toHaveValue(win.downloads)
  await mkdir(win.downloads, { recursive: true })
  await choose.getByRole('button', { name: 'Download here' }).click()
  await expect(choose).toBeHidden()
  await expect(row(page, 'b.bin')).toContainText('Completed', { timeout: 20_000 })
  expect(await sha256File(join(win.downloads, 'b.bin'))).toBe(sha256(body))
})
