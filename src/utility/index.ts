import type { MessagePortMain } from 'electron'
import { createEngine } from '../engine/engine.ts'
import { keepServingOnUnexpectedErrors } from '../server/unexpected-error-guard.ts'
import { withAria2Listener } from './aria2-listener.ts'
import { runEngineHost, type ClientPort } from './engine-host.ts'

function log(line: string): void {
  process.stderr.write(`${new Date().toISOString()} ${line}\n`)
}

// The engine process serves 127.0.0.1:16800 to every page the browser opens: a request that
// reaches a bug is logged and must not end it (main would count a crash, five make it "failed").
keepServingOnUnexpectedErrors(log)

/**
 * The Electron utility-process entry: a thin adapter from `process.parentPort` and
 * `MessagePortMain` to the Electron-free host in engine-host.ts (tested under plain Node).
 */
runEngineHost(
  {
    postMessage: (message) => process.parentPort.postMessage(message),
    onMessage: (listener) =>
      process.parentPort.on('message', (event) => listener(event.data, event.ports.map(adaptPort))),
  },
  {
    // Browser extensions reach the engine on 127.0.0.1:16800 (the aria2 RPC setting decides).
    createEngine: async (options) => withAria2Listener(await createEngine(options), log),
    exit: (code) => process.exit(code),
    log,
  },
)

function adaptPort(port: MessagePortMain): ClientPort {
  port.start()
  return {
    postMessage: (message) => port.postMessage(message),
    onMessage(listener) {
      const handler = (event: Electron.MessageEvent) => listener(event.data)
      port.on('message', handler)
      return () => port.off('message', handler)
    },
    onClose: (listener) => {
      port.once('close', listener)
      return () => port.off('close', listener)
    },
    close: () => port.close(),
  }
}
