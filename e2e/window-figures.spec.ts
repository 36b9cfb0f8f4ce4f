import type { Browser, Locator, Page } from '@playwright/test'
import { makeBody } from '../test/fault-server.ts'
import { drop, expect, row, test } from './window-fixtures.ts'
import type { WindowFixture } from './window-fixtures.ts'

// The window's figures and leftovers of issue 26, read off the screen in Debian's Chromium
// against `downpour serve` and the fault server.

const MiB = 1024 * 1024

/** A page of the given window size and zoom (200 % of 800 × 600 is a 400 × 300 page). */
async function pageAt(
  browser: Browser,
  win: WindowFixture,
  size: { width: number; height: number; zoom: number },
): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width: size.width / size.zoom, height: size.height / size.zoom },
    deviceScaleFactor: size.zoom,
  })
  const page = await context.newPage()
  await win.open(page)
  return page
}

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
