import { lastExtension, shellIntegratedExtensionOf } from '../engine/naming/shell-extension.ts'
import { markUrl } from '../engine/storage/origin-mark.ts'
import { dangerPlatform, isDangerousExtension } from './dangerous-file-types.ts'

/**
 * What "Open file" does with a completed download:
 * - 'refuse': a shell-integrated name (`.lnk`, `.url`, `.scf`, `.local`, a CLSID). The engine
 *   never gives a file such a name (naming/shell-extension.ts), so one there was written by
 *   something else or by an old version; opening it lets Windows follow it blindly. "Show in
 *   folder" still works.
 * - 'confirm': a type that can run code or change the system on this OS
 *   (dangerous-file-types.ts); main asks first, naming the file and where it came from.
 * - 'open': anything else, at once.
 *
 * Where the file came from does not change the decision (a site one trusts can be compromised,
 * and a redirect can land anywhere); it is shown in the question so the person can judge.
 */
export type OpenDecision = 'open' | 'confirm' | 'refuse'

export function openDecision(name: string, platform: string): OpenDecision {
  if (shellIntegratedExtensionOf(name) !== null) return 'refuse'
  // Windows ignores trailing dots and spaces: "setup.exe. " runs as setup.exe.
  const extension = lastExtension(name.replace(/[\s.]+$/, ''))
  return extension !== '' && isDangerousExtension(extension, dangerPlatform(platform))
    ? 'confirm'
    : 'open'
}

/** What main tells the person instead of opening a refused file (Electron's showMessageBox). */
export type RefusalNotice = {
  type: 'info'
  title: string
  message: string
  detail: string
  buttons: [string, string]
  /** Index of the button that shows the file in its folder. */
  showButton: 0
  defaultId: 0
  cancelId: 1
  noLink: true
}

export function refusalNotice(name: string): RefusalNotice {
  const extension = shellIntegratedExtensionOf(name) ?? lastExtension(name)
  return {
    type: 'info',
    title: 'Not opened',
    message: `Downpour does not open .${extension} files.`,
    detail:
      `Windows follows files like “${name}” by itself (shortcuts, shell commands), ` +
      'so opening one can run a program you did not choose. You can still see it in its folder.',
    buttons: ['Show in Folder', 'Close'],
    showButton: 0,
    defaultId: 0,
    cancelId: 1,
    noLink: true,
  }
}

/** The question asked before opening a file that can run code (Electron's showMessageBox). */
export type OpenConfirmation = {
  type: 'warning'
  title: string
  message: string
  detail: string
  buttons: [string, string]
  /** Index of the button that opens; the other one (the default, and Esc) cancels. */
  openButton: 1
  defaultId: 0
  cancelId: 0
  noLink: true
}

export function openConfirmation(name: string, origin: string | null): OpenConfirmation {
  const url = markUrl(origin)
  const host = url === null ? null : new URL(url).host
  return {
    type: 'warning',
    title: 'Open this file?',
    message: `“${name}” can run programs or change settings on this computer.`,
    detail:
      (host === null
        ? 'Where it came from is not known.'
        : `It was downloaded from ${host}:\n${shorten(url ?? '', 200)}`) +
      '\n\nOpen it only if you trust where it came from.',
    buttons: ['Cancel', 'Open'],
    openButton: 1,
    defaultId: 0,
    cancelId: 0,
    noLink: true,
  }
}

function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`
}
