import type { WebSocket } from 'ws'
import { ERROR_CODES } from '../shared/protocol/errors.ts'
import type { Port } from '../shared/protocol/rpc.ts'
import { InboundPace } from './inbound-pace.ts'
import { messageFrame } from './message-text.ts'
import { DEFAULT_FLOW_BOUNDS, OutboundFlow, type FlowBounds } from './outbound-flow.ts'

/** Close codes the browser client tells apart. */
export const CLOSE_CODES = {
  /** The client did not read what it was sent; reconnecting gives it a fresh start. */
  tooSlow: 1013,
} as const

export type SocketPortOptions = {
  bounds?: FlowBounds
  /** Where invalid messages are reported; never given message contents (they may hold secrets). */
  log: (line: string) => void
  /** How often a held beat is retried while the client is not reading. */
  drainIntervalMs?: number
}

/**
 * The engine protocol over one WebSocket: JSON text frames both ways. Frames over 1 MiB are
 * closed by `ws` itself (1009, `maxPayload`). Binary frames and text that is not JSON get an
 * error reply and a log line; calls that fail validation are answered by `serveEngine` and
 * logged here. What is sent goes through `OutboundFlow`, so a client that stops reading costs
 * the server a bounded amount of memory.
 */
export function createSocketPort(socket: WebSocket, options: SocketPortOptions): Port {
  const flow = new OutboundFlow(options.bounds ?? DEFAULT_FLOW_BOUNDS)
  const listeners = new Set<(message: unknown) => void>()
  let timer: ReturnType<typeof setInterval> | undefined

  const send = (message: unknown): void => {
    if (socket.readyState !== socket.OPEN) return
    // A text frame, also when the frame is an event's shared UTF-8 bytes (see messageFrame).
    socket.send(messageFrame(message), { binary: false })
  }
  const protocolError = (reason: string): void => {
    options.log(`invalid message: ${reason}`)
    send({
      kind: 'reply',
      seq: null,
      ok: false,
      error: { code: ERROR_CODES.invalidArgument, message: reason },
    })
  }
  const drain = (): void => {
    const beat = flow.drain(socket.bufferedAmount)
    if (beat !== null) send(beat)
    if (!flow.holding && timer !== undefined) {
      clearInterval(timer)
      timer = undefined
    }
  }

  // One message per turn of the loop (see InboundPace), parsed when its turn comes.
  const inbound = new InboundPace<{ data: WebSocket.RawData; isBinary: boolean }>(
    ({ data, isBinary }) => {
      if (isBinary) return protocolError('binary frames are not accepted; send JSON text')
      let message: unknown
      try {
        message = JSON.parse(data.toString())
      } catch {
        return protocolError('the frame is not JSON')
      }
      for (const listener of listeners) listener(message)
    },
  )
  socket.on('message', (data, isBinary) => inbound.push({ data, isBinary }))
  socket.on('close', () => {
    if (timer !== undefined) clearInterval(timer)
    inbound.clear()
    listeners.clear()
  })

  return {
    postMessage(message) {
      if (socket.readyState !== socket.OPEN) return
      const reply = message as { kind?: unknown; ok?: unknown; error?: { code?: unknown } }
      if (reply.kind === 'reply' && reply.ok === false) {
        if (reply.error?.code === ERROR_CODES.invalidArgument)
          // Only the code: a validation message may quote the value, and values can be secrets.
          options.log(`invalid call refused (${ERROR_CODES.invalidArgument})`)
      }
      const offer = flow.offer(message, socket.bufferedAmount)
      switch (offer.action) {
        case 'send':
          for (const m of offer.messages) send(m)
          return
        case 'held':
          timer ??= setInterval(drain, options.drainIntervalMs ?? 100)
          return
        case 'dropped':
          return
        case 'close':
          options.log('client is not reading its messages; closing its connection')
          socket.close(CLOSE_CODES.tooSlow, 'not reading')
          // A socket that does not read will not complete a closing handshake either.
          setTimeout(() => socket.terminate(), 1000).unref()
          return
      }
    },
    onMessage(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }
}
