import { expect } from '@playwright/test'
import type { Page } from '@playwright/test'

export const emptyHeading = 'No downloads yet'
export const emptyHint = 'Drop links, text or a .txt file here, or paste URLs.'
export const addUrlsTooltip = 'Available once the download engine is connected.'

/**
 * What a person sees in a fresh window connected to its engine, whether it is the Electron
 * window or a browser tab.
 */
export async function expectEmptyAppFrame(page: Page): Promise<void> {
  await expect(page).toHaveTitle('Downpour')

  const titleBar = page.getByRole('banner')
  await expect(titleBar.getByRole('heading', { level: 1, name: 'Downpour' })).toBeVisible()

  const addUrls = titleBar
    .getByRole('toolbar', { name: 'Download actions' })
    .getByRole('button', { name: 'Add URLs' })
  await expect(addUrls).toBeVisible()
  await expect(addUrls).toBeEnabled()
  await expect(page.getByRole('contentinfo', { name: 'Engine status' })).toContainText(
    'Engine running',
  )

  const main = page.getByRole('main')
  const grid = main.getByRole('grid', { name: 'Downloads' })
  await expect(grid).toBeAttached()
  // Only the column header row: no downloads.
  await expect(grid.getByRole('row')).toHaveCount(1)
  await expect(grid).toHaveAttribute('aria-rowcount', '1')

  await expect(main.getByRole('heading', { level: 2, name: emptyHeading })).toBeVisible()
  await expect(main.getByText(emptyHint, { exact: true })).toBeVisible()
}
