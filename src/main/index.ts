import { join } from 'node:path'
import { app, BrowserWindow, screen, session } from 'electron'
import { handleAppScheme, registerAppScheme } from './app-protocol.ts'
import { DesktopIntegration } from './desktop-integration.ts'
import { parseDesktopSettings, type DesktopSettings } from './desktop-settings.ts'
import { EngineSupervisor } from './engine-supervisor.ts'
import { registerIpcHandlers } from './ipc-handlers.ts'
import { readJsonFile, writeJsonFile } from './json-file.ts'
import { extractLaunchUrls } from './launch-urls.ts'
import { createMainWindow } from './main-window.ts'
import { createNavigationPolicy } from './navigation-policy.ts'
import { resolveRendererLocation } from './renderer-location.ts'
import { guardAllWebContents, guardSessionPermissions } from './web-contents-guard.ts'
import { restoreWindowState } from './window-bounds.ts'
import { IPC } from '../shared/desktop-bridge.ts'

const mainDir = import.meta.dirname
const resourcesDir = join(mainDir, '..', '..', 'resources')
/** How long quitting waits for the engine to make its data durable. */
const QUIT_TIMEOUT_MS = 5000

// Tests and side-by-side development runs use their own profile, and with it their own
// single-instance lock, instead of fighting over the user's.
const userDataOverride = process.env.DOWNPOUR_USER_DATA
if (userDataOverride !== undefined && userDataOverride !== '') {
  app.setPath('userData', userDataOverride)
}

if (!app.requestSingleInstanceLock()) {
  // The running instance gets our argv in 'second-instance' and opens its URLs.
  app.quit()
} else {
  start()
}

function start(): void {
  // Before ready: Chromium learns its schemes at start-up.
  registerAppScheme()
  const location = resolveRendererLocation({
    mainDir,
    devServerUrl: process.env.ELECTRON_RENDERER_URL,
    isPackaged: app.isPackaged,
  })
  const policy = createNavigationPolicy(location.url)
  guardAllWebContents(app, policy)

  const userData = app.getPath('userData')
  const settingsFile = join(userData, 'desktop-settings.json')
  const windowStateFile = join(userData, 'window-state.json')
  let settings: DesktopSettings = parseDesktopSettings(readJsonFile(settingsFile))
  let quitting = false
  let mainWindow: BrowserWindow | undefined
  let pendingUrls = extractLaunchUrls(process.argv)

  const supervisor = new EngineSupervisor({
    entry: join(mainDir, 'utility.js'),
    stateDir: join(userData, 'engine'),
    defaultDir: app.getPath('downloads'),
    logFile: join(userData, 'logs', 'engine.log'),
    onClient: (client) => desktop.useClient(client),
  })
  const quit = () => {
    quitting = true
    app.quit()
  }
  const showWindow = () => {
    if (mainWindow === undefined) {
      if (app.isReady()) openMainWindow()
      return
    }
    if (mainWindow.isMinimized()) mainWindow.restore()
    mainWindow.show()
    mainWindow.focus()
  }
  const desktop = new DesktopIntegration({
    resourcesDir,
    window: () => mainWindow,
    showWindow,
    settings: () => settings,
    updateSettings: (patch) => {
      settings = { ...settings, ...patch }
      writeJsonFile(settingsFile, settings)
    },
    quit,
  })

  const sendUrls = (urls: string[]) => {
    if (urls.length === 0) return
    if (mainWindow === undefined || mainWindow.webContents.isLoading()) {
      pendingUrls = [...pendingUrls, ...urls]
      return
    }
    mainWindow.webContents.send(IPC.externalUrls, urls)
  }

  const openMainWindow = (): void => {
    const workAreas = screen.getAllDisplays().map((d) => d.workArea)
    const primary = screen.getPrimaryDisplay().workArea
    const state = restoreWindowState(readJsonFile(windowStateFile), [primary, ...workAreas])
    const window = createMainWindow(mainDir, location, {
      state,
      icon: join(resourcesDir, 'icon-256.png'),
    })
    mainWindow = window
    window.webContents.on('did-finish-load', () => {
      const urls = pendingUrls
      pendingUrls = []
      sendUrls(urls)
    })
    window.on('close', (event) => {
      writeJsonFile(windowStateFile, {
        ...window.getNormalBounds(),
        maximized: window.isMaximized(),
      })
      if (settings.closeToTray && !quitting) {
        event.preventDefault()
        window.hide()
      }
    })
    window.once('closed', () => {
      mainWindow = undefined
    })
  }

  // A second launch brings the running window forward and opens its URLs in the add dialog.
  app.on('second-instance', (_event, argv) => {
    showWindow()
    sendUrls(extractLaunchUrls(argv))
  })

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin' && !settings.closeToTray) quit()
  })

  // Quitting waits (up to 5 s) for the engine to stop its transfers with their data durable.
  let engineStopped = false
  app.on('before-quit', (event) => {
    quitting = true
    if (engineStopped) return
    event.preventDefault()
    void supervisor.shutdown(QUIT_TIMEOUT_MS).finally(() => {
      engineStopped = true
      app.quit()
    })
  })

  void app.whenReady().then(() => {
    if (location.kind === 'app') handleAppScheme(location.root)
    guardSessionPermissions(session.defaultSession, policy)
    registerIpcHandlers(supervisor, policy)
    // The engine first: the window's page asks for its port as soon as its scripts ran.
    supervisor.start()
    desktop.start()
    openMainWindow()
    // macOS keeps the app alive without windows; clicking the dock icon reopens one.
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) openMainWindow()
      else showWindow()
    })
  })
}
