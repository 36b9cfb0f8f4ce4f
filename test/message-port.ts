import type { MessagePort } from 'node:worker_threads'
import type { Port } from '../src/shared/protocol/rpc.ts'

/**
 * One end of a real in-memory `MessageChannel` as the RPC's `Port` (its close notification
 * included), for the tests that run the protocol over it.
 */
export function portOf(port: MessagePort): Required<Port> {
  return {
    postMessage: (m) => port.postMessage(m),
    onMessage(listener) {
      const handler = (m: unknown) => listener(m)
      port.on('message', handler)
      return () => port.off('message', handler)
    },
    onClose(listener) {
      port.once('close', listener)
      return () => port.off('close', listener)
    },
  }
}
