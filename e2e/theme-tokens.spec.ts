import type { Page } from '@playwright/test'
import { expect, test } from './window-fixtures.ts'

// The one palette of src/renderer/src/styles/tokens.css, as script reads it: the details
// panel's canvases take their colours from the computed style, so each theme must hand them a
// plain colour (an unresolved `light-dark()` or `var()` would paint nothing).

type Root = { getPropertyValue(name: string): string }
const token = (page: Page, name: string) =>
  page.evaluate((n) => {
    const g = globalThis as unknown as {
      document: { documentElement: unknown }
      getComputedStyle(e: unknown): Root
    }
    return g.getComputedStyle(g.document.documentElement).getPropertyValue(n).trim()
  }, name)
const forceTheme = (page: Page, theme: 'light' | 'dark' | null) =>
  page.evaluate((t) => {
    const root = (
      globalThis as unknown as {
        document: { documentElement: { dataset: Record<string, string | undefined> } }
      }
    ).document.documentElement
    if (t === null) delete root.dataset['theme']
    else root.dataset['theme'] = t
  }, theme)

test('each theme gives the canvases plain colours: the OS setting, and the UI preference over it', async ({
  page,
  win,
}) => {
  await win.open(page)
  const light = { accent: '#2563c9', text: '#1c2128', error: '#c2362b' }
  const dark = { accent: '#6b9cf2', text: '#e5e8ec', error: '#f07a6e' }
  const read = async () => ({
    accent: await token(page, '--accent'),
    text: await token(page, '--text'),
    error: await token(page, '--error'),
  })
  await page.emulateMedia({ colorScheme: 'light' })
  expect(await read()).toEqual(light)
  await page.emulateMedia({ colorScheme: 'dark' })
  expect(await read()).toEqual(dark)
  await forceTheme(page, 'light')
  expect(await read()).toEqual(light)
  await page.emulateMedia({ colorScheme: 'light' })
  await forceTheme(page, 'dark')
  expect(await read()).toEqual(dark)
  // The page itself follows: the body's background is the surface behind the list.
  expect(
    await page.evaluate(() => {
      const g = globalThis as unknown as {
        document: { body: unknown }
        getComputedStyle(e: unknown): { backgroundColor: string }
      }
      return g.getComputedStyle(g.document.body).backgroundColor
    }),
  ).toBe('rgb(21, 23, 27)')
  await forceTheme(page, null)
})
