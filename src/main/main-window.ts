import { BrowserWindow, nativeTheme } from 'electron'
import type { RendererLocation } from './renderer-location.ts'
import { MIN_SIZE, type SavedWindowState } from './window-bounds.ts'
import { createMainWindowOptions, shellColors } from './window-options.ts'

/** Creates the main window, shows it once painted, and keeps native controls on theme. */
export function createMainWindow(
  mainDir: string,
  location: RendererLocation,
  placement: { state: SavedWindowState; icon: string },
): BrowserWindow {
  const { x, y, width, height, maximized } = placement.state
  const window = new BrowserWindow({
    ...createMainWindowOptions({
      mainDir,
      platform: process.platform,
      darkMode: nativeTheme.shouldUseDarkColors,
    }),
    x,
    y,
    width,
    height,
    minWidth: MIN_SIZE.width,
    minHeight: MIN_SIZE.height,
    icon: placement.icon,
  })
  window.once('ready-to-show', () => {
    if (maximized) window.maximize()
    window.show()
  })

  if (process.platform !== 'darwin') {
    // The overlay controls are drawn by the OS, not by our CSS, so they follow the theme here.
    const syncOverlay = (): void => {
      if (window.isDestroyed()) return
      const colors = nativeTheme.shouldUseDarkColors ? shellColors.dark : shellColors.light
      window.setTitleBarOverlay({ color: colors.titleBar, symbolColor: colors.symbols })
      window.setBackgroundColor(colors.background)
    }
    nativeTheme.on('updated', syncOverlay)
    window.once('closed', () => nativeTheme.off('updated', syncOverlay))
  }

  // The built page comes from app://downpour/ (app-protocol.ts), the dev server from itself.
  void window.loadURL(location.url)
  return window
}
