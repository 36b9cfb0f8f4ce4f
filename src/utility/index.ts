import type { MessagePortMain } from 'electron'
import { createEngine, type Engine } from '../engine/engine.ts'
import { serveEngine, type Port } from '../shared/protocol/rpc.ts'
import { startAria2Listener, type Aria2Listener } from './aria2-listener.ts'
import { parseHostMessage } from './host-messages.ts'

/**
 * The Electron utility-process entry: hosts the engine. Main sends `init` once (where to keep
 * the queue and the default download folder), then hands over one MessagePort per window with
 * `connect`; each port speaks the engine protocol directly to its renderer, so progress never
 * passes through main.
 */
let engine: Engine | null = null
let aria2: Aria2Listener | null = null
const clients = new Set<() => void>()

process.parentPort.on('message', (event) => {
  const message = parseHostMessage(event.data)
  if (!message) return
  switch (message.type) {
    case 'init':
      void createEngine({
        stateDir: message.stateDir,
        settings: { defaultDir: message.defaultDir },
      }).then((created) => {
        engine = created
        // Browser extensions reach the engine here (the aria2 RPC setting decides).
        aria2 = startAria2Listener(created, { log: (line) => console.warn(line) })
        process.parentPort.postMessage({ type: 'ready' })
      })
      break
    case 'connect': {
      const port = event.ports[0]
      if (engine && port) clients.add(serveEngine(adaptPort(port), engine))
      break
    }
    case 'shutdown':
      for (const stop of clients) stop()
      void (aria2?.close() ?? Promise.resolve())
        .then(() => engine?.close())
        .then(() => process.exit(0))
      break
  }
})

function adaptPort(port: MessagePortMain): Port {
  port.start()
  return {
    postMessage: (message) => port.postMessage(message),
    onMessage(listener) {
      const handler = (event: Electron.MessageEvent) => listener(event.data)
      port.on('message', handler)
      return () => port.off('message', handler)
    },
  }
}
