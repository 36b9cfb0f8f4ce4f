import type { EngineConnection } from '../../../../shared/protocol/connection.ts'

type Host = EngineConnection['host']

/**
 * Where browser extensions reach the desktop app's aria2 RPC: main's utility host listens on
 * 127.0.0.1:16800 (src/server/aria2/aria2-rpc-server.ts, ARIA2_DESKTOP_PORT; the renderer may
 * not import server code).
 */
export const DESKTOP_ARIA2_RPC = 'http://127.0.0.1:16800/jsonrpc'

/**
 * The aria2 RPC address to paste into an extension: the desktop's fixed port, or the page's own
 * origin for `downpour serve`, which mounts `/jsonrpc` on its port (unless started with
 * `--rpc-port`, which the page cannot see).
 */
export function aria2RpcAddress(host: Host, origin: string): string {
  return host === 'desktop' ? DESKTOP_ARIA2_RPC : `${origin.replace(/\/+$/, '')}/jsonrpc`
}

/** Notifications and close to tray mean something only where there is a tray: the desktop. */
export function showsDesktopChoices(host: Host): boolean {
  return host === 'desktop'
}
