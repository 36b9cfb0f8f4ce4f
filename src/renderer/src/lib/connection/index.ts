import type { EngineConnection } from '../../../../shared/protocol/connection.ts'
import { connectElectronPort } from './electron-port.ts'
import { connectWebSocket } from './websocket.ts'

let connection: EngineConnection | undefined

/**
 * The page's one link to the engine, chosen by the shell it runs in: the MessagePort the
 * Electron preload hands over, or a WebSocket back to the `downpour serve` that served the page.
 * Called once; later calls return the same connection.
 */
export function connectToEngine(): EngineConnection {
  connection ??=
    window.downpour !== undefined
      ? connectElectronPort(window.downpour, window)
      : connectWebSocket({
          url: `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/api`,
        })
  return connection
}

export type { ConnectionStatus, EngineConnection } from '../../../../shared/protocol/connection.ts'
