import type { DownpourBridge } from '../../../shared/desktop-bridge.ts'

/** Where the UI runs: inside the Electron window, or as a page served by `downpour serve`. */
export type Shell = {
  readonly kind: 'electron' | 'web'
  /** The host OS in Electron ('darwin', 'win32', 'linux', ...); 'web' in a browser tab. */
  readonly platform: string
}

export function describeShell(bridge: Pick<DownpourBridge, 'platform'> | undefined): Shell {
  return bridge === undefined
    ? { kind: 'web', platform: 'web' }
    : { kind: 'electron', platform: bridge.platform }
}

/**
 * Exposes the shell as `data-shell` / `data-platform` on the root element: the title bar is a
 * window drag region with room for native controls only in Electron, and title-bar.css lays it
 * out per platform.
 */
export function applyShellAttributes(root: { dataset: DOMStringMap }, shell: Shell): void {
  root.dataset['shell'] = shell.kind
  root.dataset['platform'] = shell.platform
}
