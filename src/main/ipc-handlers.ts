import { BrowserWindow, dialog, ipcMain, shell } from 'electron'
import type { IpcMainEvent, IpcMainInvokeEvent, MessageBoxOptions } from 'electron'
import { IPC } from '../shared/desktop-bridge.ts'
import { resolveDownloadPath } from './download-path.ts'
import type { EngineSupervisor } from './engine-supervisor.ts'
import type { NavigationPolicy } from './navigation-policy.ts'
import { openConfirmation, openDecision, refusalNotice } from './open-decision.ts'
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
  const fileFor = async (event: IpcMainInvokeEvent, id: unknown, action: 'open' | 'show') => {
    if (!trusted(event)) throw new Error('refused')
    const client = supervisor.client
    if (!client) throw new Error('the engine is not running')
    const resolved = resolveDownloadPath((await client.snapshot()).downloads, id, action)
    if ('error' in resolved) throw new Error(resolved.error)
    return resolved
  }
  // Files that can run code are opened only after a question naming them and their origin
  // (open-decision.ts decides; this is the Electron glue).
  ipcMain.handle(IPC.openDownload, async (event, id: unknown) => {
    const file = await fileFor(event, id, 'open')
    const decision = openDecision(file.name, process.platform)
    const window = BrowserWindow.fromWebContents(event.sender)
    const ask = (options: MessageBoxOptions) =>
      window ? dialog.showMessageBox(window, options) : dialog.showMessageBox(options)
    if (decision === 'refuse') {
      const notice = refusalNotice(file.name)
      if ((await ask(notice)).response === notice.showButton) shell.showItemInFolder(file.path)
      return
    }
    if (decision === 'confirm') {
      const question = openConfirmation(file.name, file.origin)
      if ((await ask(question)).response !== question.openButton) return
    }
    const problem = await shell.openPath(file.path)
    if (problem) throw new Error(problem)
  })
  ipcMain.handle(IPC.showDownload, async (event, id: unknown) => {
    shell.showItemInFolder((await fileFor(event, id, 'show')).path)
  })
}
