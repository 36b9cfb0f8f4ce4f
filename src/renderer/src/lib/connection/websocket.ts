import { backoffDelay, type Backoff } from '../../../../shared/backoff.ts'
import type { EngineConnection } from '../../../../shared/protocol/connection.ts'
import { createEngineClient, type Port } from '../../../../shared/protocol/rpc.ts'
import { ConnectionHub } from './connection-hub.ts'
import { MessageDrain } from './message-drain.ts'

/** The part of the browser's WebSocket this transport uses (the `ws` package's fits too). */
export type SocketLike = {
  readonly readyState: number
  onopen: ((event: unknown) => void) | null
  onmessage: ((event: { data: unknown }) => void) | null
  onclose: ((event: { code: number; reason: string }) => void) | null
  onerror: ((event: unknown) => void) | null
  send(data: string): void
  close(code?: number, reason?: string): void
}

export type WebSocketConnectionOptions = {
  /** `ws(s)://host/api` */
  url: string
  createSocket?: (url: string) => SocketLike
  /**
   * Asked after a connection attempt failed: does the server still accept this browser? A
   * refused upgrade looks like any dropped connection to page scripts, so the page asks the
   * server over plain HTTP. Returns 'refused' on 401, 'ok' otherwise, 'unreachable' on errors.
   */
  checkAccess?: () => Promise<'ok' | 'refused' | 'unreachable'>
  backoff?: Backoff
}

export const RECONNECT_BACKOFF: Backoff = { baseMs: 500, maxMs: 10_000 }

/**
 * The browser shell's link to `downpour serve`: the protocol as JSON over one WebSocket. It
 * reconnects by itself with backoff, with a new client (and so a fresh snapshot) each time,
 * and gives up only when the server says this browser is not signed in.
 */
export function connectWebSocket(options: WebSocketConnectionOptions): EngineConnection & {
  /** Closes the socket and stops reconnecting (tests, page unload). */
  close(): void
} {
  const hub = new ConnectionHub('browser')
  const createSocket = options.createSocket ?? ((url: string) => new WebSocket(url) as SocketLike)
  const checkAccess = options.checkAccess ?? (() => checkAccessOverHttp(options.url))
  const backoff = options.backoff ?? RECONNECT_BACKOFF
  let attempt = 0
  let stopped = false
  let socket: SocketLike | null = null
  let timer: ReturnType<typeof setTimeout> | undefined

  const open = (): void => {
    if (stopped) return
    const current = createSocket(options.url)
    socket = current
    const listeners = new Set<(message: unknown) => void>()
    let opened = false
    current.onopen = () => {
      opened = true
      attempt = 0
      const port: Port = {
        postMessage: (message) => {
          if (current.readyState === 1) current.send(JSON.stringify(message))
        },
        onMessage(listener) {
          listeners.add(listener)
          return () => listeners.delete(listener)
        },
      }
      hub.setClient(createEngineClient(port))
      hub.setStatus({ kind: 'connected' })
    }
    // Parsed and applied in slices (see MessageDrain), in the order they came.
    const drain = new MessageDrain((text) => {
      let message: unknown
      try {
        message = JSON.parse(text)
      } catch {
        return
      }
      for (const listener of [...listeners]) listener(message)
    })
    current.onmessage = (event) => {
      if (typeof event.data === 'string') drain.push(event.data)
    }
    current.onerror = () => {
      // Always followed by close, where the decision is taken.
    }
    current.onclose = (event) => {
      if (socket !== current) return
      socket = null
      hub.setClient(null)
      if (stopped) return
      const reason = opened
        ? event.code === 1013
          ? 'the connection was too slow; reconnecting with a fresh state'
          : 'the connection to the server was lost'
        : 'cannot reach the server'
      void checkAccess().then((access) => {
        if (stopped) return
        if (access === 'refused') {
          hub.setStatus({
            kind: 'failed',
            message: 'The server no longer accepts this browser.',
            detail:
              'Open the address downpour serve printed when it started (it ends in ?token=…).',
            canRestart: false,
          })
          return
        }
        attempt++
        hub.setStatus({ kind: 'reconnecting', attempt, reason })
        timer = setTimeout(open, backoffDelay(attempt, backoff))
      })
    }
  }
  open()

  return {
    ...hub.connection(),
    close() {
      stopped = true
      clearTimeout(timer)
      socket?.close(1000, 'closed by the page')
      socket = null
      hub.setClient(null)
    },
  }
}

/** The page itself, asked without following redirects: 401 means the cookie is gone. */
async function checkAccessOverHttp(socketUrl: string): Promise<'ok' | 'refused' | 'unreachable'> {
  try {
    const url = new URL(socketUrl)
    url.protocol = url.protocol === 'wss:' ? 'https:' : 'http:'
    url.pathname = '/'
    const response = await fetch(url, {
      method: 'HEAD',
      credentials: 'same-origin',
      cache: 'no-store',
    })
    return response.status === 401 ? 'refused' : 'ok'
  } catch {
    return 'unreachable'
  }
}
