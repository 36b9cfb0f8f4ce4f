import { AxeBuilder } from '@axe-core/playwright'
import type { Locator, Page } from '@playwright/test'
import { makeBody } from '../test/fault-server.ts'
import { drop, expect, pageAt, row, test } from './window-fixtures.ts'

// The window's figures and leftovers of issue 26, read off the screen in Debian's Chromium
// against `downpour serve` and the fault server.

const MiB = 1024 * 1024

/**
 * Whether a select shows each of its choices whole: the widest choice's text, in the select's
 * font, fits between its paddings (a native select cuts its label without any overflow to see).
 */
async function widestChoiceFits(select: Locator): Promise<{ need: number; room: number }> {
  return select.evaluate((element) => {
    type El = {
      options: ArrayLike<{ text: string }>
      clientWidth: number
    }
    const g = globalThis as unknown as {
      getComputedStyle(e: unknown): {
        font: string
        paddingLeft: string
        paddingRight: string
      }
      document: {
        createElement(tag: 'canvas'): {
          getContext(kind: '2d'): { font: string; measureText(t: string): { width: number } }
        }
      }
    }
    const el = element as unknown as El
    const style = g.getComputedStyle(element)
    const ctx = g.document.createElement('canvas').getContext('2d')
    ctx.font = style.font
    const need = Math.max(...Array.from(el.options, (o) => ctx.measureText(o.text).width))
    const room = el.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight)
    return { need, room }
  })
}

for (const size of [
  { width: 1280, height: 800, zoom: 1 },
  { width: 800, height: 600, zoom: 1 },
  { width: 800, height: 600, zoom: 2 },
]) {
  test(`at ${size.width}×${size.height} and ${size.zoom * 100} % with the details panel open, the sort box shows its longest choice whole and nothing covers it`, async ({
    browser,
    win,
  }) => {
    win.files.file('/sorted.iso', makeBody(16 * MiB, 70), { rateLimit: 256 * 1024 })
    const page = await pageAt(browser, win, size)
    await drop(page, { uriList: win.files.url('/sorted.iso') })
    await page.getByRole('button', { name: 'Add 1 download' }).click()
    await expect(row(page, 'sorted.iso')).toContainText('Downloading')
    const sort = page.getByRole('combobox', { name: 'Sort by' })
    await sort.selectOption({ label: 'Progress, most done first' })
    await row(page, 'sorted.iso').click({ position: { x: 40, y: 12 } })
    await page.keyboard.press('Enter')
    await expect(page.getByRole('region', { name: 'Details of sorted.iso' })).toBeFocused()

    const { need, room } = await widestChoiceFits(sort)
    expect(need).toBeLessThanOrEqual(room)
    await sort.scrollIntoViewIfNeeded()
    await expect(sort).toBeInViewport({ ratio: 1 })
    // The panel lies over the list only: a click on the sort box lands on it, and so does
    // one on the search box.
    await sort.selectOption({ label: 'Name, A to Z' })
    await expect(sort).toHaveValue('name:asc')
    for (const control of [sort, page.getByRole('searchbox')]) {
      await control.scrollIntoViewIfNeeded()
      const box = (await control.boundingBox())!
      const hit = await control.evaluate(
        (element, { x, y }) => {
          const d = (
            globalThis as unknown as {
              document: { elementFromPoint(x: number, y: number): unknown }
            }
          ).document
          return d.elementFromPoint(x, y) === element
        },
        { x: box.x + box.width / 2, y: box.y + box.height / 2 },
      )
      expect(hit).toBe(true)
    }
    await page.context().close()
  })
}

test('Size and Added columns sort by click and by keyboard, and the sort survives a reload', async ({
  page,
  win,
}) => {
  await page.setViewportSize({ width: 1280, height: 800 })
  await win.open(page)
  const sizes: [string, number][] = [
    ['older-small.bin', 3_000],
    ['older-large.bin', 900_000],
    ['newer-middle.bin', 200_000],
  ]
  for (const [i, [name, size]] of sizes.entries())
    win.files.file(`/${name}`, makeBody(size, 80 + i))
  // Two adds, one after the other: the third download is the newest.
  await drop(page, {
    uriList: [win.files.url('/older-small.bin'), win.files.url('/older-large.bin')].join('\n'),
  })
  await page.getByRole('button', { name: 'Add 2 downloads' }).click()
  await expect(row(page, 'older-large.bin')).toContainText('Completed')
  await drop(page, { uriList: win.files.url('/newer-middle.bin') })
  await page.getByRole('button', { name: 'Add 1 download' }).click()
  for (const [name] of sizes) await expect(row(page, name)).toContainText('Completed')

  const grid = page.getByRole('grid', { name: 'Downloads' })
  const shown = async () =>
    (await grid.getByRole('row').locator('.row__title').allTextContents()).filter(Boolean)
  const header = (name: string) => grid.getByRole('columnheader', { name })
  await expect(header('Size')).toBeVisible()
  await expect(header('Added')).toBeVisible()
  await expect(row(page, 'older-large.bin').getByRole('gridcell').nth(1)).toHaveText('879 KiB')

  await header('Size').getByRole('button', { name: 'Size' }).click()
  await expect(header('Size')).toHaveAttribute('aria-sort', 'descending')
  await expect.poll(shown).toEqual(['older-large.bin', 'newer-middle.bin', 'older-small.bin'])

  // By keyboard: from the first row up into the header, right to Added, Enter.
  await row(page, 'older-large.bin').click({ position: { x: 80, y: 12 } })
  await page.keyboard.press('Home')
  await page.keyboard.press('ArrowUp')
  const focusedHeader = page.locator('[role="columnheader"] button:focus')
  await expect(focusedHeader).toHaveCount(1)
  for (let i = 0; i < 6 && (await focusedHeader.textContent()) !== 'Added'; i++)
    await page.keyboard.press('ArrowRight')
  await expect(focusedHeader).toHaveText('Added')
  await page.keyboard.press('Enter')
  await expect(header('Added')).toHaveAttribute('aria-sort', 'descending')
  await expect(header('Size')).not.toHaveAttribute('aria-sort')
  // Newest first (the two of the first add were added in one command: either order).
  await expect.poll(async () => (await shown())[0]).toBe('newer-middle.bin')

  await page.reload()
  await expect(page.getByRole('combobox', { name: 'Sort by' })).toHaveValue('added:desc')
  await expect(header('Added')).toHaveAttribute('aria-sort', 'descending')
  // Newest first (the two of the first add were added in one command: either order).
  await expect.poll(async () => (await shown())[0]).toBe('newer-middle.bin')
})

test('pasting 10,000 URLs into the Add box: the app takes the paste, the preview counts them, the textarea stays small', async ({
  page,
  win,
}) => {
  await win.open(page)
  await page.getByRole('button', { name: 'Add URLs' }).click()
  const dialog = page.getByRole('dialog', { name: 'Add downloads' })
  const box = dialog.getByRole('textbox', { name: /^URLs, one per line/ })
  await box.fill('https://typed.example/by-hand.iso')
  const list = Array.from({ length: 10_000 }, (_, i) => win.files.url(`/pasted-${i}.bin`)).join(
    '\n',
  )
  // A real paste event, as the OS clipboard delivers it: a ClipboardEvent whose DataTransfer
  // carries the text, fired at the focused textarea.
  const taken = await box.evaluate((element, text) => {
    const g = globalThis as unknown as {
      DataTransfer: new () => { setData(f: string, d: string): void }
      ClipboardEvent: new (
        type: string,
        init: Record<string, unknown>,
      ) => { defaultPrevented: boolean }
    }
    const data = new g.DataTransfer()
    data.setData('text/plain', text)
    const event = new g.ClipboardEvent('paste', {
      clipboardData: data,
      bubbles: true,
      cancelable: true,
    })
    ;(element as unknown as { focus(): void; dispatchEvent(e: unknown): boolean }).focus()
    ;(element as unknown as { dispatchEvent(e: unknown): boolean }).dispatchEvent(event)
    return event.defaultPrevented
  }, list)
  expect(taken).toBe(true)
  await expect(dialog.getByText('10,000 pasted lines, in the preview below')).toBeVisible()
  await expect(dialog.getByRole('button', { name: 'Add 10,001 downloads' })).toBeVisible()
  // The textarea kept only what was typed: small edits stay quick.
  await expect(box).toHaveValue('https://typed.example/by-hand.iso')
  const preview = dialog.getByRole('region', { name: 'Preview' })
  await expect(preview).toContainText('pasted-0.bin')

  // A short paste is left to the textarea itself (its undo, its caret): not taken.
  const shortTaken = await box.evaluate((element) => {
    const g = globalThis as unknown as {
      DataTransfer: new () => { setData(f: string, d: string): void }
      ClipboardEvent: new (
        type: string,
        init: Record<string, unknown>,
      ) => { defaultPrevented: boolean }
    }
    const data = new g.DataTransfer()
    data.setData('text/plain', 'https://typed.example/second.iso')
    const event = new g.ClipboardEvent('paste', {
      clipboardData: data,
      bubbles: true,
      cancelable: true,
    })
    ;(element as unknown as { dispatchEvent(e: unknown): boolean }).dispatchEvent(event)
    return event.defaultPrevented
  })
  expect(shortTaken).toBe(false)
  await dialog.getByRole('button', { name: 'Remove pasted lines' }).click()
  await expect(dialog.getByText(/pasted lines/)).toHaveCount(0)
  await expect(dialog.getByRole('button', { name: /^Add 1 download/ })).toBeVisible()
})

/** Serious or critical axe violations on the page as it is, light and dark. */
async function axeProblems(page: Page): Promise<string[]> {
  const found: string[] = []
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme })
    const results = await new AxeBuilder({ page }).analyze()
    for (const v of results.violations)
      if (v.impact === 'serious' || v.impact === 'critical')
        found.push(`${scheme} ${v.id}: ${v.nodes.map((n) => n.target).join(' ')}`)
  }
  await page.emulateMedia({ colorScheme: 'light' })
  return found
}

test('at 200 %: the tabs count what a search finds ("2 of 12"), and axe finds nothing serious in the views this issue touched', async ({
  browser,
  win,
}) => {
  test.setTimeout(120_000)
  const page = await pageAt(browser, win, { width: 1280, height: 800, zoom: 2 })
  const names = Array.from({ length: 12 }, (_, i) => (i < 2 ? `needle-${i}.iso` : `hay-${i}.bin`))
  await drop(page, { uriList: names.map((n) => win.files.url(`/${n}`)).join('\n') })
  const add = page.getByRole('dialog', { name: 'Add downloads' })
  await add.getByRole('checkbox', { name: 'Add paused' }).check()
  await add.getByRole('button', { name: 'Add 12 downloads paused' }).click()
  await expect(row(page, 'hay-11.bin')).toContainText('Paused')

  const tabs = page.getByRole('group', { name: 'Show' })
  await expect(tabs.getByRole('button', { name: 'All, 12', exact: true })).toBeVisible()
  await page.getByRole('searchbox').fill('needle')
  await expect(tabs.getByRole('button', { name: 'All, 2 of 12', exact: true })).toBeVisible()
  await expect(tabs.getByRole('button', { name: 'Paused, 2 of 12', exact: true })).toContainText(
    '2 of 12',
  )
  await expect(tabs.getByRole('button', { name: 'Completed, 0 of 0', exact: true })).toBeVisible()
  expect(await axeProblems(page)).toEqual([])

  // The details panel, over the list only.
  await row(page, 'needle-0.iso').click({ position: { x: 40, y: 12 } })
  await page.keyboard.press('Enter')
  await expect(page.getByRole('region', { name: 'Details of needle-0.iso' })).toBeFocused()
  expect(await axeProblems(page)).toEqual([])
  await page.keyboard.press('Escape')

  // The remove confirmation with its counted box.
  await row(page, 'needle-0.iso').click({ position: { x: 40, y: 12 } })
  await page.keyboard.press('Control+A')
  await page.keyboard.press('Delete')
  const confirm = page.getByRole('dialog', { name: 'Remove 2 downloads?' })
  await expect(
    confirm.getByRole('checkbox', { name: 'Also delete the 2 partial files' }),
  ).toBeVisible()
  expect(await axeProblems(page)).toEqual([])
  await confirm.getByRole('button', { name: 'Cancel' }).click()

  // The add dialog holding a long paste.
  await page.getByRole('searchbox').fill('')
  const addUrls = page.getByRole('button', { name: 'Add URLs' })
  await addUrls.click()
  const dialog = page.getByRole('dialog', { name: 'Add downloads' })
  const box = dialog.getByRole('textbox', { name: /^URLs, one per line/ })
  const list = Array.from({ length: 500 }, (_, i) => win.files.url(`/p-${i}.bin`)).join('\n')
  await box.evaluate((element, text) => {
    const g = globalThis as unknown as {
      DataTransfer: new () => { setData(f: string, d: string): void }
      ClipboardEvent: new (type: string, init: Record<string, unknown>) => unknown
    }
    const data = new g.DataTransfer()
    data.setData('text/plain', text)
    ;(element as unknown as { dispatchEvent(e: unknown): boolean }).dispatchEvent(
      new g.ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }),
    )
  }, list)
  await expect(dialog.getByText('500 pasted lines, in the preview below')).toBeVisible()
  expect(await axeProblems(page)).toEqual([])
  await page.context().close()
})
