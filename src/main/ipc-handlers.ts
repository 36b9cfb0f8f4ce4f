import { BrowserWindow, dialog, ipcMain, shell } from 'electron'
import type { IpcMainEvent, IpcMainInvokeEvent } from 'electron'
import { IPC } from '../preload/bridge.ts'
import { resolveDownloadPath } from './download-path.ts'
import type { EngineSupervisor } from './engine-supervisor.ts'
import type { NavigationPolicy } from './navigation-policy.ts'
import { isTrustedSender } from './sender-check.ts'

/**
 * The handlers behind the preload's surface. Each one first checks that the message comes from
 * the app's own page in a main frame (isTrustedSender); anything else is dropped or refused.
 * Paths are never taken from the page: a download id is looked up in main's own snapshot.
 */
export function registerIpcHandlers(supervisor: EngineSupervisor, policy: NavigationPolicy): void {
  const trusted = (event: IpcMainEvent | IpcMainInvokeEvent): boolean => {
    const frame = event.senderFrame
    return isTrustedSender(
      frame ? { url: frame.url, isMainFrame: frame.parent === null } : null,
      policy,
    )
  }

  ipcMain.on(IPC.requestPort, (event) => {
    if (trusted(event)) supervisor.connectWindow(event.sender)
  })
  ipcMain.on(IPC.restart, (event) => {
    if (trusted(event)) supervisor.restart()
  })
  ipcMain.handle(IPC.pickFolder, async (event) => {
    if (!trusted(event)) throw new Error('refused')
    const window = BrowserWindow.fromWebContents(event.sender)
    const options = { properties: ['openDirectory', 'createDirectory'] as const }
    const result = window
      ? await dialog.showOpenDialog(window, { properties: [...options.properties] })
      : await dialog.showOpenDialog({ properties: [...options.properties] })
    return result.canceled ? null : (result.filePaths[0] ?? null)
  })
  const pathFor = async (
    event: IpcMainInvokeEvent,
    id: unknown,
    action: 'open' | 'show',
  ): Promise<string> => {
    if (!trusted(event)) throw new Error('refused')
    const client = supervisor.client
    if (!client) throw new Error('the engine is not running')
    const resolved = resolveDownloadPath((await client.snapshot()).downloads, id, action)
    if ('error' in resolved) throw new Error(resolved.error)
    return resolved.path
  }
  ipcMain.handle(IPC.openDownload, async (event, id: unknown) => {
    const problem = await shell.openPath(await pathFor(event, id, 'open'))
    if (problem) throw new Error(problem)
  })
  ipcMain.handle(IPC.showDownload, async (event, id: unknown) => {
    shell.showItemInFolder(await pathFor(event, id, 'show'))
  })
}
