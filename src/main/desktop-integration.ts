import { join } from 'node:path'
import { Menu, Notification, Tray, app, nativeImage, nativeTheme } from 'electron'
import type { BrowserWindow, MenuItemConstructorOptions } from 'electron'
import type { EngineClient } from '../shared/protocol/rpc.ts'
import type { UiPreferences } from '../shared/protocol/ui-preferences.ts'
import { syncDesktopSettings } from './desktop-settings.ts'
import type { DesktopSettings } from './desktop-settings.ts'
import { DesktopFeed } from './desktop-feed.ts'
import { NotificationBatcher } from './notification-batcher.ts'

export type DesktopIntegrationOptions = {
  resourcesDir: string
  window: () => BrowserWindow | undefined
  showWindow: () => void
  settings: () => DesktopSettings
  updateSettings: (patch: Partial<DesktopSettings>) => void
  quit: () => void
}

/**
 * Tray (tooltip with speed and active count; Show, Pause all, Resume all, Quit), taskbar/dock
 * progress, batched notifications and the app menu, all fed by main's own engine client. The
 * figures and texts come from DesktopFeed (main's engine mirror and its tally) and
 * NotificationBatcher (unit-tested).
 */
export class DesktopIntegration {
  #options: DesktopIntegrationOptions
  #tray: Tray | null = null
  #client: EngineClient | null = null
  #batcher: NotificationBatcher
  #feed = new DesktopFeed({
    finished: (download) => this.#batcher.add(download),
    update: () => this.#render(),
  })
  #offs: (() => void)[] = []

  constructor(options: DesktopIntegrationOptions) {
    this.#options = options
    this.#batcher = new NotificationBatcher({
      scheduler: {
        now: () => Date.now(),
        setTimeout: (fn, ms) => setTimeout(fn, ms),
        clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
      },
      show: (notice) => {
        if (!this.#options.settings().notifications || !Notification.isSupported()) return
        const notification = new Notification({
          title: notice.title,
          body: notice.body,
          icon: join(this.#options.resourcesDir, 'icon-128.png'),
        })
        notification.on('click', () => this.#options.showWindow())
        notification.show()
      },
    })
  }

  start(): void {
    this.#tray = new Tray(this.#trayImage())
    this.#tray.setToolTip('Downpour')
    this.#tray.on('click', () => this.#options.showWindow())
    nativeTheme.on('updated', () => this.#tray?.setImage(this.#trayImage()))
    this.#refreshMenus()
  }

  /** A new engine client (first start or restart): follow it from a snapshot. */
  useClient(client: EngineClient): void {
    for (const off of this.#offs) off()
    this.#client = client
    this.#offs = [
      this.#feed.follow(client),
      // The settings view (any window) changes notifications and close to tray here.
      client.on('ui/changed', ({ preferences }) => this.#followPreferences(preferences)),
    ]
    void client.uiPreferences().then(
      (preferences) => this.#followPreferences(preferences),
      () => {},
    )
  }

  #followPreferences(preferences: UiPreferences): void {
    const { settings, push } = syncDesktopSettings(this.#options.settings(), preferences)
    this.#options.updateSettings(settings)
    if (push !== null) void this.#client?.updateUiPreferences(push).catch(() => {})
    this.#refreshMenus()
  }

  /** A tray menu choice: kept by the engine (so the settings view shows it), and here at once. */
  #choose(patch: Pick<Partial<UiPreferences>, 'notifications' | 'closeToTray'>): void {
    this.#options.updateSettings(patch)
    void this.#client?.updateUiPreferences(patch).catch(() => {})
    this.#refreshMenus()
  }

  #render(): void {
    const summary = this.#feed.summary()
    this.#tray?.setToolTip(summary.tooltip)
    const window = this.#options.window()
    if (window && !window.isDestroyed())
      window.setProgressBar(summary.progress, { mode: summary.mode })
  }

  #trayImage() {
    // A light glyph on dark panels, a dark one on light panels; macOS tints template images.
    const variant = nativeTheme.shouldUseDarkColors ? 'tray-dark' : 'tray-light'
    const image = nativeImage.createFromPath(join(this.#options.resourcesDir, `${variant}.png`))
    image.addRepresentation({
      scaleFactor: 2,
      buffer: nativeImage
        .createFromPath(join(this.#options.resourcesDir, `${variant}@2x.png`))
        .toPNG(),
    })
    if (process.platform === 'darwin') image.setTemplateImage(true)
    return image
  }

  #refreshMenus(): void {
    const pauseAll = () => void this.#client?.pause({ all: true }).catch(() => {})
    const resumeAll = () => void this.#client?.resume({ all: true }).catch(() => {})
    const settings = this.#options.settings()
    const preferences: MenuItemConstructorOptions[] = [
      {
        label: 'Notify When Downloads Finish',
        type: 'checkbox',
        checked: settings.notifications,
        click: (item) => this.#choose({ notifications: item.checked }),
      },
      {
        label: 'Keep Running in the Tray When Closed',
        type: 'checkbox',
        checked: settings.closeToTray,
        click: (item) => this.#choose({ closeToTray: item.checked }),
      },
    ]
    this.#tray?.setContextMenu(
      Menu.buildFromTemplate([
        { label: 'Show Downpour', click: () => this.#options.showWindow() },
        { type: 'separator' },
        { label: 'Pause All', click: pauseAll },
        { label: 'Resume All', click: resumeAll },
        { type: 'separator' },
        { label: 'Quit', click: () => this.#options.quit() },
      ]),
    )
    const isMac = process.platform === 'darwin'
    Menu.setApplicationMenu(
      Menu.buildFromTemplate([
        ...(isMac ? [{ role: 'appMenu' as const }] : []),
        {
          label: 'File',
          submenu: [
            { label: 'Pause All', accelerator: 'CmdOrCtrl+Shift+P', click: pauseAll },
            { label: 'Resume All', accelerator: 'CmdOrCtrl+Shift+R', click: resumeAll },
            { type: 'separator' },
            ...preferences,
            { type: 'separator' },
            isMac
              ? { role: 'close' }
              : { label: 'Quit', accelerator: 'CmdOrCtrl+Q', click: () => this.#options.quit() },
          ],
        },
        { role: 'editMenu' },
        { role: 'viewMenu' },
        { role: 'windowMenu' },
        {
          role: 'help',
          submenu: [{ label: `Downpour ${app.getVersion()}`, enabled: false }],
        },
      ]),
    )
  }
}
