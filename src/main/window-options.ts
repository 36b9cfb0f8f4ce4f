import { join } from 'node:path'
import type { BrowserWindowConstructorOptions, WebPreferences } from 'electron'

/**
 * Colours of the title bar in the renderer's styles/tokens.css (`--titlebar-bg`,
 * `--text-muted`). The native window controls drawn over the page on Windows and Linux must
 * match them, and the window background must match the page so that nothing flashes white
 * before the first paint.
 */
export const shellColors = {
  light: { background: '#f6f7f9', titleBar: '#eceff3', symbols: '#4b5563' },
  dark: { background: '#15171b', titleBar: '#1b1e23', symbols: '#a3acb8' },
} as const

/** Height of the custom title bar in CSS pixels; styles/tokens.css uses the same value. */
export const titleBarHeight = 44

export type WindowOptionsInput = {
  /** Directory of the built main bundle (`out/main`); the preload sits next to it. */
  readonly mainDir: string
  readonly platform: NodeJS.Platform
  readonly darkMode: boolean
}

/**
 * The renderer is untrusted: it shows names and URLs that come from the network. It gets no
 * Node, runs in Chromium's sandbox, sees the preload only through contextBridge, and cannot
 * embed guest pages.
 */
export function createWebPreferences(mainDir: string): WebPreferences {
  return {
    preload: join(mainDir, '../preload/index.cjs'),
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webviewTag: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    // A file dropped outside our drop handler must not replace the app with that file.
    navigateOnDragDrop: false,
    // Chromium's spellchecker fetches dictionaries from Google's servers; fields here hold URLs.
    spellcheck: false,
  }
}

/** Options for the main window: frameless with native controls, secure web preferences. */
export function createMainWindowOptions(
  input: WindowOptionsInput,
): BrowserWindowConstructorOptions {
  const colors = input.darkMode ? shellColors.dark : shellColors.light
  const isMac = input.platform === 'darwin'
  return {
    width: 1100,
    height: 720,
    minWidth: 560,
    minHeight: 400,
    title: 'Downpour',
    // Shown on 'ready-to-show' so the first frame the user sees is the finished page.
    show: false,
    backgroundColor: colors.background,
    titleBarStyle: 'hidden',
    // macOS keeps its traffic lights inside the hidden title bar; Windows and Linux get the
    // native controls as an overlay on the right of our title bar.
    ...(isMac
      ? { trafficLightPosition: { x: 16, y: 15 } }
      : {
          titleBarOverlay: {
            color: colors.titleBar,
            symbolColor: colors.symbols,
            height: titleBarHeight,
          },
        }),
    webPreferences: createWebPreferences(input.mainDir),
  }
}
