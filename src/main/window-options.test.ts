import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  createMainWindowOptions,
  createWebPreferences,
  shellColors,
  titleBarHeight,
} from './window-options.ts'

const mainDir = join('/opt', 'downpour', 'out', 'main')

describe('createWebPreferences', () => {
  it('isolates and sandboxes the renderer without Node or webviews', () => {
    const prefs = createWebPreferences(mainDir)
    expect(prefs).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
    })
  })

  it('points at the single-file CommonJS preload next to the main bundle', () => {
    expect(createWebPreferences(mainDir).preload).toBe(
      join('/opt', 'downpour', 'out', 'preload', 'index.cjs'),
    )
  })
})

describe('createMainWindowOptions', () => {
  it('uses the secure web preferences for every platform and theme', () => {
    for (const platform of ['darwin', 'linux', 'win32'] as const) {
      for (const darkMode of [false, true]) {
        const options = createMainWindowOptions({ mainDir, platform, darkMode })
        expect(options.webPreferences).toEqual(createWebPreferences(mainDir))
      }
    }
  })

  it('waits for the first paint and matches the page background', () => {
    const light = createMainWindowOptions({ mainDir, platform: 'linux', darkMode: false })
    const dark = createMainWindowOptions({ mainDir, platform: 'linux', darkMode: true })
    expect(light.show).toBe(false)
    expect(light.backgroundColor).toBe(shellColors.light.background)
    expect(dark.backgroundColor).toBe(shellColors.dark.background)
  })

  it('overlays native controls on Windows and Linux at the title bar height', () => {
    for (const platform of ['linux', 'win32'] as const) {
      const options = createMainWindowOptions({ mainDir, platform, darkMode: true })
      expect(options.titleBarStyle).toBe('hidden')
      expect(options.titleBarOverlay).toEqual({
        color: shellColors.dark.titleBar,
        symbolColor: shellColors.dark.symbols,
        height: titleBarHeight,
      })
    }
  })

  it('keeps the traffic lights on macOS instead of an overlay', () => {
    const options = createMainWindowOptions({ mainDir, platform: 'darwin', darkMode: false })
    expect(options.titleBarStyle).toBe('hidden')
    expect(options.titleBarOverlay).toBeUndefined()
    expect(options.trafficLightPosition).toBeDefined()
  })
})
