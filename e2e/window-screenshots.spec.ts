import { fileURLToPath } from 'node:url'
import { makeBody } from '../test/fault-server.ts'
import { drop, expect, row, test } from './window-fixtures.ts'

// The README's screenshots, taken from a running `downpour serve` with downloads in every state
// (refresh: DOWNPOUR_UPDATE_SCREENSHOT=1 npx playwright test e2e/window-screenshots.spec.ts).

const docs = (name: string) => fileURLToPath(new URL(`../docs/${name}`, import.meta.url))
const MiB = 1024 * 1024

test('screenshots of a list in every state, light and dark', async ({ page, win }) => {
  test.skip(
    process.env.DOWNPOUR_UPDATE_SCREENSHOT !== '1',
    'set DOWNPOUR_UPDATE_SCREENSHOT=1 to refresh docs/screenshot-{light,dark,details,settings}.png',
  )
  test.setTimeout(240_000)
  const f = win.files
  const slow = (path: string, size: number, rate: number, seed: number) =>
    f.file(path, makeBody(size, seed), { rateLimit: rate })
  for (const [i, name] of [
    'release-notes.pdf',
    'photos-2026-summer.zip',
    'podcast-142.mp3',
  ].entries())
    f.file(`/${name}`, makeBody(300_000 + i * 90_000, 30 + i))
  slow('/ubuntu-24.04.2-desktop-amd64.iso', 48 * MiB, 300 * 1024, 40)
  slow('/Big_Buck_Bunny_1080p.mp4', 36 * MiB, 200 * 1024, 41)
  f.file('/live-capture.ts', makeBody(24 * MiB, 42), { chunked: true, rateLimit: 150 * 1024 })
  slow('/node-v24.9.0-linux-x64.tar.xz', 12 * MiB, 200 * 1024, 43)
  slow('/dataset-2026-q3.csv', 16 * MiB, 200 * 1024, 44)
  slow('/fedora-workstation-42.iso', 20 * MiB, 200 * 1024, 45)
  f.file('/mirror-busy.iso', makeBody(MiB, 46), {
    fault: () => ({ kind: 'status', status: 503, headers: { 'Retry-After': '45' } }),
  })
  await win.settings({ maxConcurrentDownloads: 4, maxConnectionsPerDownload: 2 })
  await page.setViewportSize({ width: 1200, height: 700 })
  await page.emulateMedia({ colorScheme: 'light', reducedMotion: 'reduce' })
  await win.open(page)

  const add = async (paths: string[], paused = false) => {
    await drop(page, { uriList: paths.map((p) => f.url(p)).join('\n') })
    const dialog = page.getByRole('dialog', { name: 'Add downloads' })
    if (paused) await dialog.getByRole('checkbox', { name: 'Add paused' }).check()
    await dialog.getByRole('button', { name: /^Add \d+ download/ }).click()
    await expect(dialog).toBeHidden()
  }
  await add([
    '/release-notes.pdf',
    '/photos-2026-summer.zip',
    '/podcast-142.mp3',
    '/missing-chapter-07.epub',
  ])
  await expect(row(page, 'podcast-142.mp3')).toContainText('Completed')
  await expect(row(page, 'missing-chapter-07.epub')).toContainText('Failed')
  await add([
    '/mirror-busy.iso',
    '/ubuntu-24.04.2-desktop-amd64.iso',
    '/Big_Buck_Bunny_1080p.mp4',
    '/live-capture.ts',
  ])
  await add(['/node-v24.9.0-linux-x64.tar.xz', '/dataset-2026-q3.csv'])
  await add(['/fedora-workstation-42.iso'], true)
  await expect(row(page, 'mirror-busy.iso')).toContainText('Retrying in')
  await expect
    .poll(async () =>
      Number(await row(page, 'ubuntu').getByRole('progressbar').getAttribute('aria-valuenow')),
    )
    .toBeGreaterThan(0)
  await row(page, 'Big_Buck_Bunny_1080p.mp4').click()
  await page.mouse.move(0, 0)

  await page.screenshot({ path: docs('screenshot-light.png') })
  await page.emulateMedia({ colorScheme: 'dark', reducedMotion: 'reduce' })
  await page.screenshot({ path: docs('screenshot-dark.png') })

  // The details drawer of a running download: connection map, speed graph, timeline.
  await page.emulateMedia({ colorScheme: 'light', reducedMotion: 'reduce' })
  await row(page, 'ubuntu-24.04.2-desktop-amd64.iso').click({ position: { x: 80, y: 12 } })
  await page.keyboard.press('Enter')
  const details = page.getByRole('region', { name: /^Details of ubuntu/ })
  await expect(details).toBeFocused()
  await expect(details.locator('.timeline__entry').first()).toBeVisible()
  // A few seconds of the speed graph.
  await page.waitForTimeout(6000)
  await page.mouse.move(0, 0)
  await page.screenshot({ path: docs('screenshot-details.png') })
  await page.keyboard.press('Escape')

  // The settings view.
  await page.getByRole('button', { name: 'Settings' }).click()
  await expect(page.getByRole('dialog', { name: 'Settings' })).toBeVisible()
  await page.mouse.move(0, 0)
  await page.screenshot({ path: docs('screenshot-settings.png') })
})
