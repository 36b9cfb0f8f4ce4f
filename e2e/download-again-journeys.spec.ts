import { readdir, rm } from 'node:fs/promises'
import { basename, join } from 'node:path'
import type { Page } from '@playwright/test'
import { makeBody } from '../test/fault-server.ts'
import { drop, expect, pageAt, row, sha256, sha256File, test } from './window-fixtures.ts'
import type { WindowFixture } from './window-fixtures.ts'

// Downloading a list again, in Debian's Chromium against `downpour serve` and the fault server.

test('a finished list whose files were deleted: dropped again, one click on "Download 3 files again" brings every file back under its name', async ({
  page,
  win,
}) => {
  const names = ['one.bin', 'two.iso', 'three.zip']
  const bodies = names.map((_, i) => makeBody(200_000 + i * 10_000, 40 + i))
  const list = await finishedThenDeleted(
    page,
    win,
    names.map((name, i) => ({ name, body: bodies[i]! })),
  )
  const dialog = page.getByRole('dialog', { name: 'Add downloads' })

  const gets = (name: string) =>
    win.files.requests(`/${name}`).filter((r) => r.method === 'GET').length
  const before = names.map(gets)
  await drop(page, { uriList: list })
  await expect(dialog.getByText('3 URLs are already in the queue')).toBeVisible()
  const preview = dialog.getByRole('region', { name: 'Preview' })
  // Each line leads with the file and its state; the folder comes last.
  for (const name of names) {
    const line = preview.getByRole('listitem').filter({ hasText: name })
    await expect(line).toContainText(
      new RegExp(`^Line \\d+${name} — Completed [^,]+, file missing`),
    )
    await expect(line).toContainText(`in ${win.downloads}`)
  }
  // Nothing new in the list, but everything can be fetched again: never "Nothing to add".
  await expect(dialog.getByRole('button', { name: 'Nothing to add' })).toHaveCount(0)
  await expect(dialog.getByRole('button', { name: 'Download all again' })).toBeVisible()
  // One click (issue 25's "Done when"): the dialog's main button chooses "again" for every line.
  await dialog.getByRole('button', { name: 'Download 3 files again' }).click()
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

/** Three files, one with a long name (the preview's lines must show it whole). */
const THREE = ['annual-report-2026-final.pdf', 'two.iso', 'three.zip'].map((name, i) => ({
  name,
  body: makeBody(50_000, 60 + i),
}))

/**
 * Three files downloaded through the window, then deleted behind its back and the window
 * reloaded (a new window looks at the rows it shows): the rows say "file missing". Answers the
 * list that names them.
 */
async function finishedThenDeleted(
  page: Page,
  win: WindowFixture,
  files: readonly { name: string; body: Buffer }[] = THREE,
): Promise<string> {
  const names = files.map((f) => f.name)
  for (const f of files) win.files.file(`/${f.name}`, f.body)
  const list = names.map((n) => win.files.url(`/${n}`)).join('\r\n')
  await win.open(page)
  await drop(page, { uriList: list })
  const dialog = page.getByRole('dialog', { name: 'Add downloads' })
  await dialog.getByRole('button', { name: `Add ${files.length} downloads` }).click()
  await expect(dialog).toBeHidden()
  for (const name of names)
    await expect(row(page, name)).toContainText('Completed', { timeout: 20_000 })
  for (const name of names) await rm(join(win.downloads, name))
  await page.reload()
  for (const name of names)
    await expect(row(page, name)).toContainText('Completed — file missing', { timeout: 10_000 })
  return list
}

const SIZES = [
  { width: 1280, height: 800, zoom: 1 },
  { width: 800, height: 600, zoom: 1 },
  { width: 1280, height: 800, zoom: 2 },
  { width: 800, height: 600, zoom: 2 },
]

test('a line the queue holds reads "name — state" whole and its folder with both ends; Add and Cancel stay on screen at 1280×800, 800×600 and 200 %', async ({
  page,
  win,
  browser,
}, testInfo) => {
  test.setTimeout(90_000)
  const list = await finishedThenDeleted(page, win)
  const folder = basename(win.downloads)
  for (const size of SIZES) {
    const at = await pageAt(browser, win, size)
    const label = `${size.width}x${size.height}@${size.zoom * 100}%`
    await drop(at, { uriList: list })
    const dialog = at.getByRole('dialog', { name: 'Add downloads' })
    const preview = dialog.getByRole('region', { name: 'Preview' })
    const line = preview.getByRole('listitem').filter({ hasText: 'annual-report-2026-final.pdf' })
    await expect(line).toContainText(
      /annual-report-2026-final\.pdf — Completed [^,]+, file missing/,
    )
    await at.screenshot({ path: testInfo.outputPath(`add-dialog-${label}.png`) })
    await line.scrollIntoViewIfNeeded()
    await at.screenshot({ path: testInfo.outputPath(`add-dialog-${label}-line.png`) })

    // The name and the state are not cut (nothing overflows their box, on one line or two).
    const what = line.locator('.preview__what')
    const clipped = await what.evaluate((e) => ({
      x: e.scrollWidth - e.clientWidth,
      y: e.scrollHeight - e.clientHeight,
    }))
    expect(clipped, label).toEqual({ x: 0, y: 0 })
    // The folder keeps its last segment whole, on screen inside the line; its start is there too.
    const where = line.locator('.preview__where')
    await expect(where).toHaveText(`in ${win.downloads}`)
    const tail = where.locator('.middle-truncate__tail')
    await expect(tail).toHaveText(folder)
    const [w, t] = [await where.boundingBox(), await tail.boundingBox()]
    expect(t!.x + t!.width, label).toBeLessThanOrEqual(w!.x + w!.width + 0.5)
    expect(t!.width, label).toBeGreaterThan(0)
    await expect(where.locator('.middle-truncate__head')).toBeInViewport()
    // The whole text with the URL: the title, and the description of the line's choice.
    const full = `annual-report-2026-final.pdf — ${await line.locator('.preview__state').textContent()} · in ${win.downloads} · ${win.files.url('/annual-report-2026-final.pdf')}`
    await expect(line.locator('.preview__queued')).toHaveAttribute('title', full)
    await expect(line.getByRole('group')).toHaveAccessibleDescription(full)

    // The footer's buttons are on screen, also when the dialog's body is taller than the window
    // (scrolled to its end and back).
    const add = dialog.getByRole('button', { name: 'Download 3 files again' })
    const cancel = dialog.getByRole('button', { name: 'Cancel' })
    await expect(add, label).toBeInViewport({ ratio: 1 })
    await expect(cancel, label).toBeInViewport({ ratio: 1 })
    const overflows = await dialog.evaluate((d) => d.scrollHeight > d.clientHeight)
    if (size.height / size.zoom <= 400) expect(overflows, label).toBe(true)
    for (const top of [99_999, 0, 150]) {
      await dialog.evaluate((d, y) => d.scrollTo(0, y), top)
      await expect(add, `${label} scrolled to ${top}`).toBeInViewport({ ratio: 1 })
      await expect(cancel, `${label} scrolled to ${top}`).toBeInViewport({ ratio: 1 })
    }
    // Nothing scrolls sideways.
    expect(await dialog.evaluate((d) => d.scrollWidth - d.clientWidth), label).toBe(0)
    await at.context().close()
  }
})

test('keyboard only: Tab reaches each duplicate choice in order, Space and Enter choose, Escape closes and focus returns to "Add URLs"', async ({
  page,
  win,
}) => {
  test.setTimeout(60_000)
  const list = await finishedThenDeleted(page, win)
  type Focusable = { getAttribute(name: string): string | null; textContent: string | null }
  const focused = () =>
    page.evaluate(() => {
      const g = globalThis as unknown as { document: { activeElement: Focusable | null } }
      const e = g.document.activeElement
      return e === null ? '' : (e.getAttribute('aria-label') ?? e.textContent ?? '').trim()
    })
  // From the top of the page to "Add URLs" with Tab alone.
  const addUrls = page.getByRole('button', { name: 'Add URLs' })
  for (let i = 0; i < 30; i++) {
    await page.keyboard.press('Tab')
    if (await addUrls.evaluate((e) => e === e.ownerDocument.activeElement)) break
  }
  await expect(addUrls).toBeFocused()
  await page.keyboard.press('Enter')
  const dialog = page.getByRole('dialog', { name: 'Add downloads' })
  const text = dialog.getByRole('textbox', { name: /URLs/ })
  await expect(text).toBeFocused()
  await page.keyboard.type(list.replaceAll('\r\n', '\n'))
  await expect(dialog.getByText('3 URLs are already in the queue')).toBeVisible()
  const confirm = dialog.locator('button[type="submit"]')
  await expect(confirm).toHaveText('Download 3 files again')

  // The bar for all of them, the preview, then each line's choice, in reading order.
  const order: string[] = []
  for (let i = 0; i < 7; i++) {
    await page.keyboard.press('Tab')
    order.push(await focused())
  }
  expect(order).toEqual([
    'Skip all',
    'Show them',
    'Download all again',
    'Preview',
    'Skip',
    'Show',
    'Download again',
  ])
  const first = dialog.getByRole('group', { name: /^What to do with/ }).first()
  const again = first.getByRole('button', { name: 'Download again' })
  const skip = first.getByRole('button', { name: 'Skip' })
  await expect(again).toBeFocused()
  await page.keyboard.press('Space')
  await expect(again).toHaveAttribute('aria-pressed', 'true')
  await expect(skip).toHaveAttribute('aria-pressed', 'false')
  await expect(confirm).toHaveText('Add 1 download (1 again)')
  await page.keyboard.press('Shift+Tab')
  await page.keyboard.press('Shift+Tab')
  await expect(skip).toBeFocused()
  await page.keyboard.press('Enter')
  await expect(skip).toHaveAttribute('aria-pressed', 'true')
  await expect(again).toHaveAttribute('aria-pressed', 'false')
  // Enter on a choice chooses; it does not submit the form.
  await expect(dialog).toBeVisible()
  await expect(confirm).toHaveText('Download 3 files again')
  // "Download all again" from the bar, by keyboard, then Escape: nothing added, focus back.
  for (let i = 0; i < 2; i++) await page.keyboard.press('Shift+Tab')
  await expect(dialog.getByRole('button', { name: 'Download all again' })).toBeFocused()
  await page.keyboard.press('Enter')
  await expect(confirm).toHaveText('Add 3 downloads (3 again)')
  await page.keyboard.press('Escape')
  await expect(dialog).toBeHidden()
  await expect(addUrls).toBeFocused()
  await expect(page.getByRole('grid', { name: 'Downloads' }).getByRole('row')).toHaveCount(4)
})
