// Renders the PNGs main uses from the SVG sources in this folder, in Debian's Chromium:
//   node resources/render-icons.ts
// icon-<n>.png: window and notification icon; tray-{light,dark}[@2x].png: the tray.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { chromium } from '@playwright/test'
import { chromiumPath } from '../playwright.config.ts'

const here = import.meta.dirname
const jobs: [source: string, out: string, size: number][] = [
  ...[16, 32, 64, 128, 256, 512].map((n): [string, string, number] => [
    'icon.svg',
    `icon-${n}.png`,
    n,
  ]),
  ['tray-light.svg', 'tray-light.png', 16],
  ['tray-light.svg', 'tray-light@2x.png', 32],
  ['tray-dark.svg', 'tray-dark.png', 16],
  ['tray-dark.svg', 'tray-dark@2x.png', 32],
]

const browser = await chromium.launch({
  executablePath: chromiumPath,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
})
const page = await browser.newPage()
for (const [source, out, size] of jobs) {
  const svg = await readFile(join(here, source), 'utf8')
  await page.setViewportSize({ width: size, height: size })
  await page.setContent(
    `<style>html,body{margin:0;background:transparent}svg{width:${size}px;height:${size}px;display:block}</style>${svg}`,
  )
  await page.screenshot({ path: join(here, out), omitBackground: true })
}
await browser.close()
