import {
  ENGINE_PORT_MESSAGE,
  type DownpourBridge,
  type EngineHostStatus,
} from '../../../../shared/desktop-bridge.ts'
import type { EngineConnection } from '../../../../shared/protocol/connection.ts'
import { createEngineClient, type Port } from '../../../../shared/protocol/rpc.ts'
import { ConnectionHub } from './connection-hub.ts'

/** The part of a MessagePort this transport uses (the page's; tests use Node's, same API). */
export type PagePort = {
  postMessage(message: unknown): void
  start(): void
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void
}

/** The window events this transport listens to (the real `window` in the app). */
export type PortWindow = {
  addEventListener(
    type: 'message',
    listener: (event: { source: unknown; data: unknown; ports: readonly PagePort[] }) => void,
  ): void
}

/**
 * The desktop shell's link: a MessagePort straight to the engine's utility process, handed over
 * by the preload as a window message. Main sends a new port whenever the engine (re)starts and
 * whenever the page loads; each one gets a new client, so the UI resyncs from a fresh snapshot.
 */
export function connectElectronPort(bridge: DownpourBridge, target: PortWindow): EngineConnection {
  const hub = new ConnectionHub('desktop')
  let host: EngineHostStatus = { kind: 'starting' }

  target.addEventListener('message', (event) => {
    // Only the preload's message to this very window; pages cannot post to us from elsewhere.
    if (event.source !== target) return
    const data = event.data as { type?: unknown } | null
    const port = event.ports[0]
    if (data?.type !== ENGINE_PORT_MESSAGE || port === undefined) return
    hub.setClient(createEngineClient(adaptPort(port)))
    if (host.kind !== 'failed') hub.setStatus({ kind: 'connected' })
  })

  bridge.onEngineStatus((status) => {
    host = status
    switch (status.kind) {
      case 'starting':
        if (hub.client() === null) hub.setStatus({ kind: 'connecting' })
        break
      case 'running':
        if (hub.client() !== null) hub.setStatus({ kind: 'connected' })
        break
      case 'restarting':
        hub.setClient(null)
        hub.setStatus({ kind: 'reconnecting', attempt: status.attempt, reason: status.reason })
        break
      case 'failed':
        hub.setClient(null)
        hub.setStatus({
          kind: 'failed',
          message: status.message,
          detail: status.detail,
          canRestart: true,
        })
        break
    }
  })

  return {
    ...hub.connection(),
    restartEngine: () => bridge.restartEngine(),
    pickFolder: () => bridge.pickFolder(),
    onExternalUrls: (listener) => bridge.onExternalUrls(listener),
  }
}

function adaptPort(port: PagePort): Port {
  const listeners = new Set<(message: unknown) => void>()
  port.addEventListener('message', (event) => {
    for (const listener of [...listeners]) listener(event.data)
  })
  port.start()
  return {
    postMessage: (message) => port.postMessage(message),
    onMessage(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }
}
