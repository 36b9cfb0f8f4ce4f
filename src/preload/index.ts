import { contextBridge, ipcRenderer } from 'electron'
import {
  ENGINE_PORT_MESSAGE,
  IPC,
  type DownpourBridge,
  type EngineHostStatus,
} from '../shared/desktop-bridge.ts'

/**
 * The page's only way to reach the host. Sandboxed and context-isolated: the page gets plain
 * functions, never `ipcRenderer`, and each handler in main checks that the sender is the app's
 * own page. The engine's MessagePort is transferred to the page with `window.postMessage`
 * (Electron's documented pattern: ports cannot cross contextBridge), so engine traffic never
 * passes through this script or main.
 */
/** The few page globals used here (the preload is typechecked without the DOM's types). */
const page = globalThis as unknown as {
  postMessage(message: unknown, targetOrigin: string, transfer: unknown[]): void
  location: { origin: string }
  addEventListener(type: 'DOMContentLoaded', listener: () => void, options: { once: true }): void
}

let status: EngineHostStatus = { kind: 'starting' }
const statusListeners = new Set<(status: EngineHostStatus) => void>()
let pendingUrls: string[] = []
const urlListeners = new Set<(urls: string[]) => void>()

ipcRenderer.on(IPC.status, (_event, next: EngineHostStatus) => {
  status = next
  for (const listener of [...statusListeners]) listener(next)
})

ipcRenderer.on(IPC.port, (event) => {
  // Posted to this window only (its own origin), with the port transferred, not copied.
  page.postMessage(
    { type: ENGINE_PORT_MESSAGE },
    page.location.origin === 'null' ? '*' : page.location.origin,
    [...event.ports],
  )
})

ipcRenderer.on(IPC.externalUrls, (_event, urls: unknown) => {
  if (!Array.isArray(urls) || !urls.every((url) => typeof url === 'string')) return
  if (urlListeners.size === 0) pendingUrls = [...pendingUrls, ...urls]
  for (const listener of [...urlListeners]) listener(urls)
})

// The page's scripts (deferred modules) have run by DOMContentLoaded, so the port posted in
// answer finds its listener; a reload runs this again and gets a new port.
page.addEventListener('DOMContentLoaded', () => ipcRenderer.send(IPC.requestPort), {
  once: true,
})

const bridge = {
  platform: process.platform,
  versions: Object.freeze({
    electron: process.versions.electron,
    chrome: process.versions.chrome,
    node: process.versions.node,
  }),
  onEngineStatus(listener) {
    statusListeners.add(listener)
    listener(status)
    return () => statusListeners.delete(listener)
  },
  restartEngine: () => ipcRenderer.send(IPC.restart),
  pickFolder: () => ipcRenderer.invoke(IPC.pickFolder) as Promise<string | null>,
  openDownload: (id) => ipcRenderer.invoke(IPC.openDownload, String(id)) as Promise<void>,
  showDownload: (id) => ipcRenderer.invoke(IPC.showDownload, String(id)) as Promise<void>,
  onExternalUrls(listener) {
    urlListeners.add(listener)
    if (pendingUrls.length > 0) {
      const urls = pendingUrls
      pendingUrls = []
      listener(urls)
    }
    return () => urlListeners.delete(listener)
  },
} satisfies DownpourBridge

contextBridge.exposeInMainWorld('downpour', Object.freeze(bridge))
