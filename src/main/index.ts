import { app, BrowserWindow, session } from 'electron'
import { createMainWindow } from './main-window.ts'
import { createNavigationPolicy } from './navigation-policy.ts'
import { resolveRendererLocation } from './renderer-location.ts'
import { guardAllWebContents, guardSessionPermissions } from './web-contents-guard.ts'

const mainDir = import.meta.dirname

// Tests and side-by-side development runs use their own profile, and with it their own
// single-instance lock, instead of fighting over the user's.
const userDataOverride = process.env.DOWNPOUR_USER_DATA
if (userDataOverride !== undefined && userDataOverride !== '') {
  app.setPath('userData', userDataOverride)
}

if (!app.requestSingleInstanceLock()) {
  app.quit()
} else {
  start()
}

function start(): void {
  const location = resolveRendererLocation({
    mainDir,
    devServerUrl: process.env.ELECTRON_RENDERER_URL,
    isPackaged: app.isPackaged,
  })
  const policy = createNavigationPolicy(location.url)
  guardAllWebContents(app, policy)

  let mainWindow: BrowserWindow | undefined
  const openMainWindow = (): void => {
    mainWindow = createMainWindow(mainDir, location)
    mainWindow.once('closed', () => {
      mainWindow = undefined
    })
  }

  // A second launch (e.g. from a shortcut) brings the running window forward instead, or
  // reopens it where the app outlives its windows (macOS).
  app.on('second-instance', () => {
    if (mainWindow === undefined) {
      if (app.isReady()) openMainWindow()
      return
    }
    if (mainWindow.isMinimized()) mainWindow.restore()
    mainWindow.focus()
  })

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit()
  })

  void app.whenReady().then(() => {
    guardSessionPermissions(session.defaultSession, policy)
    // The window opens last: whatever it talks to (the engine host and its MessagePort) must
    // already be running when the renderer first asks for it.
    openMainWindow()
    // macOS keeps the app alive without windows; clicking the dock icon reopens one.
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) openMainWindow()
    })
  })
}
