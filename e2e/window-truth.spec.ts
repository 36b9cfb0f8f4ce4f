import { readdir } from 'node:fs/promises'
import { AxeBuilder } from '@axe-core/playwright'
import type { Locator, Page } from '@playwright/test'
import { makeBody } from '../test/fault-server.ts'
import { drop, expect, pageAt, row, test } from './window-fixtures.ts'
import type { WindowFixture } from './window-fixtures.ts'

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
  await confirm.getByRole('checkbox', { name: 'Also delete the 2 partial files' }).check()
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

/** Relative luminance contrast of two `rgb(r, g, b)` colours (WCAG 2). */
function contrast(a: string, b: string): number {
  const lum = (css: string) => {
    const [r, g, bl] = css
      .match(/[\d.]+/g)!
      .slice(0, 3)
      .map((c) => {
        const v = Number(c) / 255
        return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4
      })
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * bl!
  }
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x)
  return (hi! + 0.05) / (lo! + 0.05)
}

const colours = (page: Page, name: string) =>
  page.getByRole('button', { name, exact: true }).evaluate((element) => {
    const style = (
      globalThis as unknown as {
        getComputedStyle(e: unknown): { color: string; backgroundColor: string }
      }
    ).getComputedStyle(element)
    return { color: style.color, background: style.backgroundColor }
  })

test('primary buttons keep their colour and a readable label under the pointer, light and dark', async ({
  page,
  win,
}) => {
  await win.open(page)
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme })
    await page.mouse.move(0, 0)
    const resting = await colours(page, 'Add URLs')
    await page.getByRole('button', { name: 'Add URLs' }).hover()
    const hovered = await colours(page, 'Add URLs')
    expect(hovered.background).toBe(resting.background)
    expect(contrast(hovered.color, hovered.background)).toBeGreaterThanOrEqual(4.5)
  }
})

async function fillList(page: Page, win: WindowFixture) {
  win.files.file('/release-notes-2026-with-a-long-name.pdf', makeBody(200_000, 50))
  for (const [i, name] of [
    'ubuntu-24.04.2-desktop-amd64.iso',
    'Big_Buck_Bunny_1080p.mp4',
  ].entries())
    win.files.file(`/${name}`, makeBody(32 * MiB, 51 + i), { rateLimit: 128 * 1024 })
  await drop(page, {
    uriList: [
      '/release-notes-2026-with-a-long-name.pdf',
      '/ubuntu-24.04.2-desktop-amd64.iso',
      '/Big_Buck_Bunny_1080p.mp4',
      '/missing-chapter.epub',
    ]
      .map((p) => win.files.url(p))
      .join('\n'),
  })
  await page.getByRole('button', { name: 'Add 4 downloads' }).click()
  await expect(row(page, 'release-notes-2026')).toContainText('Completed')
  await expect(row(page, 'missing-chapter.epub')).toContainText('Failed — 404 Not Found')
  await expect(row(page, 'ubuntu')).toContainText('Downloading')
}

for (const size of [
  { width: 800, height: 600, zoom: 1 },
  { width: 1280, height: 800, zoom: 2 },
  { width: 800, height: 600, zoom: 2 },
]) {
  test(`at ${size.width}×${size.height} and ${size.zoom * 100} %: no sideways scroll, every control and each row's status word on screen`, async ({
    browser,
    win,
  }) => {
    test.setTimeout(90_000)
    const page = await pageAt(browser, win, size)
    await fillList(page, win)
    const overflow = await page.evaluate(() => {
      const root = (
        globalThis as unknown as {
          document: { documentElement: { scrollWidth: number; clientWidth: number } }
        }
      ).document.documentElement
      return root.scrollWidth - root.clientWidth
    })
    expect(overflow).toBe(0)

    // On screen whole, once scrolled to up or down (a short page scrolls vertically; never
    // sideways).
    const onScreen = async (locator: Locator) => {
      await locator.scrollIntoViewIfNeeded()
      await expect(locator).toBeInViewport({ ratio: 1 })
    }
    await onScreen(page.getByRole('button', { name: 'Add URLs' }))
    await onScreen(page.getByRole('searchbox'))
    await onScreen(page.getByRole('combobox', { name: 'Sort by' }))
    for (const tab of ['All', 'Active', 'Queued', 'Paused', 'Completed', 'Failed'])
      await onScreen(page.getByRole('group', { name: 'Show' }).getByRole('button', { name: tab }))
    const status = page.getByRole('contentinfo')
    await onScreen(status.getByRole('button', { name: 'Settings' }))
    await onScreen(status.getByRole('button', { name: /speed limit/i }))
    // The toolbar's bulk actions: on the bar, or in its overflow menu.
    const more = page.getByRole('button', { name: 'More actions', exact: true })
    if (await more.isVisible()) {
      await more.click()
      const menu = page.getByRole('menu', { name: 'Download actions' })
      for (const action of ['Pause all', 'Resume all', 'Remove completed'])
        await onScreen(menu.getByRole('menuitem', { name: action }))
      await page.keyboard.press('Escape')
      await expect(menu).toBeHidden()
      await expect(more).toBeFocused()
    } else
      for (const action of ['Pause all', 'Resume all', 'Remove completed'])
        await onScreen(page.getByRole('button', { name: action }))

    // Every row: its status word whole (not cut to "Downloadi…"), its name readable, its
    // primary button on screen.
    for (const [name, word] of [
      ['release-notes-2026', 'Completed'],
      ['ubuntu-24.04.2-desktop-amd64.iso', 'Downloading'],
      ['Big_Buck_Bunny_1080p.mp4', 'Downloading'],
      ['missing-chapter.epub', 'Failed — 404 Not Found'],
    ] as const) {
      const status = row(page, name).locator('.row__status')
      await expect(status).toHaveText(word)
      await onScreen(status)
      expect(
        await status.evaluate((e) => {
          const el = e as unknown as { scrollWidth: number; clientWidth: number }
          return el.scrollWidth - el.clientWidth
        }),
      ).toBe(0)
      const title = row(page, name).locator('.row__title')
      expect((await title.boundingBox())!.width).toBeGreaterThanOrEqual(150)
    }
    for (const button of [
      row(page, 'ubuntu').getByRole('button', { name: 'Pause ubuntu-24.04.2-desktop-amd64.iso' }),
      row(page, 'missing-chapter').getByRole('button', { name: 'Retry missing-chapter.epub' }),
    ]) {
      await onScreen(button)
    }

    if (size.zoom === 2) {
      for (const scheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme: scheme })
        const results = await new AxeBuilder({ page }).analyze()
        expect(
          results.violations
            .filter((v) => v.impact === 'serious' || v.impact === 'critical')
            .map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(' ')}`),
        ).toEqual([])
      }
    }
    await page.context().close()
  })
}

test('after Delete → Enter, focus is on the row that took the removed one’s place', async ({
  page,
  win,
}) => {
  await win.open(page)
  const names = ['first.bin', 'second.bin', 'third.bin', 'fourth.bin']
  await drop(page, { uriList: names.map((n) => win.files.url(`/${n}`)).join('\n') })
  const dialog = page.getByRole('dialog', { name: 'Add downloads' })
  await dialog.getByRole('checkbox', { name: 'Add paused' }).check()
  await dialog.getByRole('button', { name: 'Add 4 downloads paused' }).click()
  for (const name of names) await expect(row(page, name)).toContainText('Paused')

  const removeFocused = async (count: number) => {
    await page.keyboard.press('Delete')
    const confirm = page.getByRole('dialog', {
      name: `Remove ${count} download${count > 1 ? 's' : ''}?`,
    })
    await expect(confirm.getByRole('button', { name: 'Remove' })).toBeFocused()
    await page.keyboard.press('Enter')
    await expect(confirm).toBeHidden()
  }
  await row(page, 'second.bin').click({ position: { x: 80, y: 12 } })
  await removeFocused(1)
  await expect(row(page, 'second.bin')).toHaveCount(0)
  await expect(row(page, 'third.bin')).toBeFocused()
  // The last row removed: focus goes to the new last row.
  await page.keyboard.press('End')
  await expect(row(page, 'fourth.bin')).toBeFocused()
  await removeFocused(1)
  await expect(row(page, 'fourth.bin')).toHaveCount(0)
  await expect(row(page, 'third.bin')).toBeFocused()
  // Two selected, removed together: the next row in their place.
  await page.keyboard.press('Home')
  await page.keyboard.press('Shift+ArrowDown')
  await removeFocused(2)
  await expect(row(page, 'third.bin')).toHaveCount(0)
  await expect(row(page, 'first.bin')).toHaveCount(0)
  await expect(page.getByRole('heading', { name: 'No downloads yet' })).toBeVisible()
})

for (const width of [1280, 800]) {
  test(`at ${width} px the open details panel leaves the row's Pause button uncovered`, async ({
    page,
    win,
  }) => {
    win.files.file('/under-panel.iso', makeBody(16 * MiB, 60), { rateLimit: 256 * 1024 })
    await page.setViewportSize({ width, height: 700 })
    await win.open(page)
    await drop(page, { uriList: win.files.url('/under-panel.iso') })
    await page.getByRole('button', { name: 'Add 1 download' }).click()
    await expect(row(page, 'under-panel.iso')).toContainText('Downloading')
    await row(page, 'under-panel.iso').click({ position: { x: 80, y: 12 } })
    await page.keyboard.press('Enter')
    const details = page.getByRole('region', { name: 'Details of under-panel.iso' })
    await expect(details).toBeFocused()
    const pause = row(page, 'under-panel.iso').getByRole('button', {
      name: 'Pause under-panel.iso',
    })
    await expect(pause).toBeInViewport({ ratio: 1 })
    const [button, panel] = [(await pause.boundingBox())!, (await details.boundingBox())!]
    expect(button.x + button.width).toBeLessThanOrEqual(panel.x)
    // A click lands on the button itself (Playwright refuses one another element would take).
    await pause.click()
    await expect(row(page, 'under-panel.iso')).toContainText('Paused')
    await expect(row(page, 'under-panel.iso').locator('.row__status')).toHaveText(/^Paused/)
  })
}
