import type { Engine, EngineOptions } from '../engine/engine.ts'
import { serveEngine, type Port } from '../shared/protocol/rpc.ts'
import { parseHostMessage } from './host-messages.ts'

/** A port to one client (a window, or main itself) as the host sees it. */
export type ClientPort = Port & {
  /** Called once when the other end is gone (the window closed or reloaded); returns an unsubscribe. */
  onClose(listener: () => void): () => void
  close(): void
}

/** The host's link to main: `process.parentPort` in Electron, a MessagePort in tests. */
export type ParentLink = {
  postMessage(message: HostReport): void
  onMessage(listener: (data: unknown, ports: readonly ClientPort[]) => void): void
}

/** What the host tells main. */
export type HostReport = { type: 'ready' } | { type: 'closed' } | { type: 'fatal'; message: string }

export type EngineHostOptions = {
  createEngine: (options: EngineOptions) => Promise<Engine>
  /** Ends the process (tests pass a function that records the code). */
  exit: (code: number) => void
  /** Diagnostics for the engine log file (stderr in Electron). */
  log: (line: string) => void
}

/**
 * The engine's host, Electron-free so that tests drive it under plain Node: `init` starts the
 * engine (once), each `connect` brings one port that is served the protocol directly (progress
 * never passes through main), a port whose other end closes is forgotten, and `shutdown` stops
 * transfers with their data durable before the process exits. Messages that fail validation
 * are ignored: only main can send here, but a bug there must not reach the engine.
 */
export function runEngineHost(link: ParentLink, options: EngineHostOptions): void {
  let engine: Engine | null = null
  let starting: Promise<Engine | null> | null = null
  const clients = new Map<ClientPort, () => void>()

  const attach = (port: ClientPort, ready: Engine): void => {
    const stop = serveEngine(port, ready)
    clients.set(port, stop)
    port.onClose(() => {
      stop()
      clients.delete(port)
    })
  }

  link.onMessage((data, ports) => {
    const message = parseHostMessage(data)
    if (!message) {
      options.log('ignored a malformed message from main')
      for (const port of ports) port.close()
      return
    }
    switch (message.type) {
      case 'init':
        if (starting) return
        starting = options
          .createEngine({
            stateDir: message.stateDir,
            settings: { defaultDir: message.defaultDir },
          })
          .then(
            (created) => {
              engine = created
              link.postMessage({ type: 'ready' })
              return created
            },
            (error: unknown) => {
              const text = error instanceof Error ? error.message : String(error)
              options.log(`the engine could not start: ${text}`)
              link.postMessage({ type: 'fatal', message: text })
              options.exit(1)
              return null
            },
          )
        return
      case 'connect': {
        const port = ports[0]
        if (!port) return
        // Main may hand over ports before the engine has finished loading its queue.
        if (engine) attach(port, engine)
        else if (starting)
          void starting.then((ready) => (ready ? attach(port, ready) : port.close()))
        else port.close()
        return
      }
      case 'shutdown':
        for (const [port, stop] of clients) {
          stop()
          port.close()
        }
        clients.clear()
        void (starting ?? Promise.resolve(null))
          .then((ready) => ready?.close())
          .then(
            () => {
              link.postMessage({ type: 'closed' })
              options.exit(0)
            },
            (error: unknown) => {
              options.log(`while stopping: ${error instanceof Error ? error.message : error}`)
              options.exit(1)
            },
          )
        return
    }
  })
}
