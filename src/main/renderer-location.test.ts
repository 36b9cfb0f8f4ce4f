import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { resolveRendererLocation } from './renderer-location.ts'

const mainDir = join('/opt', 'downpour', 'out', 'main')
const builtRoot = join('/opt', 'downpour', 'out', 'renderer')
// The built page comes from the app's own scheme, never from file:// (issue 20, finding 8).
const filePage = { kind: 'app', root: builtRoot, url: 'app://downpour/index.html' }

describe('resolveRendererLocation', () => {
  it('serves the built page next to the main bundle from app://downpour/ by default', () => {
    expect(
      resolveRendererLocation({ mainDir, devServerUrl: undefined, isPackaged: false }),
    ).toEqual(filePage)
  })

  it('loads the loopback dev server in development', () => {
    for (const url of ['http://localhost:5173', 'http://127.0.0.1:5173/', 'https://[::1]:5173/']) {
      expect(resolveRendererLocation({ mainDir, devServerUrl: url, isPackaged: false })).toEqual({
        kind: 'dev-server',
        url,
      })
    }
  })

  it('ignores the dev server variable in a packaged app', () => {
    const location = resolveRendererLocation({
      mainDir,
      devServerUrl: 'http://localhost:5173',
      isPackaged: true,
    })
    expect(location).toEqual(filePage)
  })

  it('ignores dev server URLs that are not loopback http', () => {
    for (const url of [
      'https://example.com',
      'file:///tmp/x.html',
      'http://192.168.1.2:5173',
      'nonsense',
      '',
    ]) {
      expect(
        resolveRendererLocation({ mainDir, devServerUrl: url, isPackaged: false }),
        url,
      ).toEqual(filePage)
    }
  })
})
