import type { Page } from '@playwright/test'
import { makeBody } from '../test/fault-server.ts'
import { connectClient } from '../test/run-serve.ts'
import { expect, row, test } from './window-fixtures.ts'
import type { WindowFixture } from './window-fixtures.ts'

// Sorting, drag reordering and the live-region summary, in Debian's Chromium against
// `downpour serve` and the fault server.

const MiB = 1024 * 1024

/** Talks to the engine as a second client would: to set up, and to check what it holds. */
async function engine<T>(
  win: WindowFixture,
  use: (client: Awaited<ReturnType<typeof connectClient>>['client']) => Promise<T>,
): Promise<T> {
  const { socket, client } = await connectClient(win.serve.origin, {
    authorization: `Bearer ${win.serve.token}`,
  })
  try {
    return await use(client)
  } finally {
    client.dispose()
    socket.close()
  }
}

/** The names of the rows, top to bottom, as the screen shows them. */
const shown = (page: Page) =>
  page
    .getByRole('grid', { name: 'Downloads' })
    .getByRole('row')
    .filter({ hasText: '.bin' })
    .evaluateAll((rows) =>
      rows
        .map((r) => ({
          top: r.getBoundingClientRect().top,
          name: /[a-z]+-\d+\.bin/.exec(r.textContent ?? '')?.[0],
        }))
        .sort((a, b) => a.top - b.top)
        .map((r) => r.name),
    )

const header = (page: Page, name: string) =>
  page.getByRole('grid', { name: 'Downloads' }).getByRole('columnheader', { name, exact: true })

async function addPaused(win: WindowFixture, names: string[]): Promise<void> {
  await engine(win, (c) => c.add(names.map((n) => ({ url: win.files.url(`/${n}`), paused: true }))))
}

test('a header sorts, reverses and returns to queue order; a reload and a second page see the sort', async ({
  page,
  win,
}) => {
  await win.open(page)
  await addPaused(win, ['part-2.bin', 'part-10.bin', 'part-1.bin'])
  await expect.poll(() => shown(page)).toEqual(['part-2.bin', 'part-10.bin', 'part-1.bin'])

  await header(page, 'Name').getByRole('button', { name: 'Name' }).click()
  await expect(header(page, 'Name')).toHaveAttribute('aria-sort', 'ascending')
  await expect.poll(() => shown(page)).toEqual(['part-1.bin', 'part-2.bin', 'part-10.bin'])
  expect((await engine(win, (c) => c.uiPreferences())).sort).toEqual({
    column: 'name',
    direction: 'asc',
  })

  // From the keyboard: Tab into the grid (one tab stop), ArrowUp from the first row to the
  // header row, Enter on the Name header.
  await page.getByRole('searchbox').focus()
  await page.keyboard.press('Tab')
  await expect(row(page, 'part-1.bin')).toBeFocused()
  await page.keyboard.press('ArrowUp')
  await expect(header(page, 'Name').getByRole('button', { name: 'Name' })).toBeFocused()
  await page.keyboard.press('Enter')
  await expect(header(page, 'Name')).toHaveAttribute('aria-sort', 'descending')
  await expect.poll(() => shown(page)).toEqual(['part-10.bin', 'part-2.bin', 'part-1.bin'])

  await page.reload()
  await expect(header(page, 'Name')).toHaveAttribute('aria-sort', 'descending')
  await expect.poll(() => shown(page)).toEqual(['part-10.bin', 'part-2.bin', 'part-1.bin'])
  const second = await page.context().newPage()
  await second.goto(win.serve.url)
  await expect(header(second, 'Name')).toHaveAttribute('aria-sort', 'descending')
  await expect.poll(() => shown(second)).toEqual(['part-10.bin', 'part-2.bin', 'part-1.bin'])

  // A third click: queue order, on both pages.
  await header(page, 'Name').getByRole('button', { name: 'Name' }).click()
  await expect(header(page, 'Name')).not.toHaveAttribute('aria-sort')
  await expect.poll(() => shown(page)).toEqual(['part-2.bin', 'part-10.bin', 'part-1.bin'])
  await expect.poll(() => shown(second)).toEqual(['part-2.bin', 'part-10.bin', 'part-1.bin'])
  await second.close()
})

test('dragging two selected rows below another reorders the engine queue, and a reload shows it', async ({
  page,
  win,
}) => {
  await win.open(page)
  await addPaused(win, ['a-1.bin', 'b-2.bin', 'c-3.bin', 'd-4.bin'])
  await expect.poll(() => shown(page)).toEqual(['a-1.bin', 'b-2.bin', 'c-3.bin', 'd-4.bin'])
  await row(page, 'a-1.bin').click({ position: { x: 80, y: 12 } })
  await row(page, 'b-2.bin').click({ position: { x: 80, y: 12 }, modifiers: ['ControlOrMeta'] })
  await expect(row(page, 'b-2.bin')).toHaveAttribute('aria-selected', 'true')

  // A real pointer drag: press on b, move over the lower half of c, see the indicator, release.
  const from = (await row(page, 'b-2.bin').boundingBox())!
  const to = (await row(page, 'c-3.bin').boundingBox())!
  await page.mouse.move(from.x + 80, from.y + from.height / 2)
  await page.mouse.down()
  await page.mouse.move(from.x + 90, from.y + from.height / 2 + 10, { steps: 4 })
  await page.mouse.move(to.x + 90, to.y + to.height * 0.75, { steps: 8 })
  await expect(row(page, 'c-3.bin')).toHaveAttribute('data-drop', 'after')
  await page.mouse.up()
  await expect(row(page, 'c-3.bin')).not.toHaveAttribute('data-drop')

  await expect.poll(() => shown(page)).toEqual(['c-3.bin', 'a-1.bin', 'b-2.bin', 'd-4.bin'])
  const names = async () => {
    const snapshot = await engine(win, (c) => c.snapshot())
    return snapshot.downloads.map((d) => d.name)
  }
  expect(await names()).toEqual(['c-3.bin', 'a-1.bin', 'b-2.bin', 'd-4.bin'])
  await page.reload()
  await expect.poll(() => shown(page)).toEqual(['c-3.bin', 'a-1.bin', 'b-2.bin', 'd-4.bin'])

  // Sorted by name, a drag moves nothing and the window says why.
  await header(page, 'Name').getByRole('button', { name: 'Name' }).click()
  await expect.poll(() => shown(page)).toEqual(['a-1.bin', 'b-2.bin', 'c-3.bin', 'd-4.bin'])
  await row(page, 'd-4.bin').dragTo(row(page, 'a-1.bin'), { targetPosition: { x: 80, y: 5 } })
  await expect(page.getByText(/sorted by name; queue order can be changed only/)).toBeVisible()
  expect(await names()).toEqual(['c-3.bin', 'a-1.bin', 'b-2.bin', 'd-4.bin'])
})

test('the live region sums up activity now and then, and says what finished', async ({
  page,
  win,
}) => {
  test.setTimeout(60_000)
  win.files.file('/slow-1.bin', makeBody(3 * MiB, 61), { rateLimit: 256 * 1024 })
  await win.open(page)
  const region = page.getByRole('status', { name: 'Download activity' })
  await expect(region).toHaveAttribute('aria-live', 'polite')
  await expect(region).toHaveText('')
  await engine(win, (c) => c.add([{ url: win.files.url('/slow-1.bin') }]))
  await expect(region).toHaveText(/^1 downloading, [\d.]+ (B|KiB|MiB)\/s$/, { timeout: 15_000 })
  await expect(row(page, 'slow-1.bin')).toContainText('Completed', { timeout: 30_000 })
  await expect(region).toHaveText('slow-1.bin completed', { timeout: 15_000 })
})
