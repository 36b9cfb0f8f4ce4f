import { createServer as createHttpServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo, Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { WebSocketServer, type WebSocket } from 'ws'
import type { Engine } from '../engine/engine.ts'
import { serveEngine } from '../shared/protocol/rpc.ts'
import { createAccessPolicy, type AccessPolicy } from './access-policy.ts'
import type { FlowBounds } from './outbound-flow.ts'
import type { SessionStoreOptions } from './session-store.ts'
import { createSocketPort } from './socket-port.ts'
import { createStaticHandler, staticContentSecurityPolicy } from './static-files.ts'

/** Largest frame a client may send; bigger ones close the socket with 1009 (`ws` does it). */
export const MAX_MESSAGE_BYTES = 1024 * 1024

export const API_PATH = '/api'
export const JSONRPC_PATH = '/jsonrpc'
/** `POST` here ends the browser's session (the UI's "Sign out"). */
export const LOGOUT_PATH = '/logout'

/** How often expired sessions are dropped and their sockets closed. */
const SESSION_SWEEP_MS = 60_000
/** Close code for a socket whose session ended: the page then asks whether it is signed in. */
export const SESSION_ENDED_CLOSE_CODE = 4401

export type EngineServerOptions = {
  engine: Engine
  /** The built renderer (`out/renderer`). */
  rendererDir: string
  host: string
  /** 0 picks a free port. */
  port: number
  token: string
  allowHosts?: readonly string[]
  interfaceAddresses?: readonly string[]
  tls?: { cert: Buffer; key: Buffer }
  flowBounds?: FlowBounds
  /**
   * Mounted at `/jsonrpc` (aria2's JSON-RPC): it brings its own authentication (the aria2
   * secret) and CORS, so only the Host check applies before it.
   */
  jsonrpc?: {
    handleRequest(req: IncomingMessage, res: ServerResponse): void
    handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void
  }
  /** Session lifetimes and clock (tests); defaults in session-store.ts. */
  sessions?: SessionStoreOptions
  /** Diagnostics; never receives the token or message contents. */
  log: (line: string) => void
}

export type EngineServer = {
  /** `http(s)://host:port/`, without the token. */
  readonly origin: string
  readonly port: number
  /** Bytes waiting in each connected client's send buffer (diagnostics and tests). */
  clients(): { id: number; buffered: number }[]
  /** Drops expired sessions now and closes their sockets (also done every minute). */
  sweepSessions(): void
  /** Stops accepting, closes every client socket; the engine is the caller's to close. */
  close(): Promise<void>
}

const securityHeaders = {
  'X-Content-Type-Options': 'nosniff',
  'Content-Security-Policy': staticContentSecurityPolicy,
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
} as const

/**
 * `downpour serve`'s HTTP side: the built UI behind a token, and the engine protocol over a
 * WebSocket at `/api`. Every request passes the Host check (421) first, then authentication
 * (401); upgrades and sign-outs also need the server's own Origin (403). A session's sockets
 * close when it ends (sign-out, expiry).
 */
export async function startEngineServer(options: EngineServerOptions): Promise<EngineServer> {
  const statics = createStaticHandler(options.rendererDir)
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES })
  // Known once the port is: set right after listening, before the first request can arrive.
  let policy: AccessPolicy | undefined = undefined
  let nextClient = 0
  const sockets = new Map<number, WebSocket>()
  const socketsBySession = new Map<string, Set<WebSocket>>()
  const closeSessionSockets = (session: string): void => {
    for (const ws of socketsBySession.get(session) ?? [])
      ws.close(SESSION_ENDED_CLOSE_CODE, 'signed out')
    socketsBySession.delete(session)
  }

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const access = policy!
    if (!access.hostAllowed(req.headers.host)) return sendPage(res, 421, misdirectedPage)
    const url = new URL(req.url ?? '/', 'http://downpour.invalid')
    if (options.jsonrpc && url.pathname === JSONRPC_PATH)
      return options.jsonrpc.handleRequest(req, res)
    if (url.pathname === LOGOUT_PATH) return logout(access, req, res)
    const offered = url.searchParams.get('token')
    if (offered !== null) {
      if (!access.tokenMatches(offered)) return sendPage(res, 401, unauthorizedPage)
      // Trade the token for the cookie and drop it from the address bar (and the history).
      url.searchParams.delete('token')
      res.writeHead(303, {
        ...securityHeaders,
        'Set-Cookie': access.startSession(),
        Location: `${url.pathname}${url.search}`,
        'Content-Length': 0,
      })
      res.end()
      return
    }
    if (!access.authenticated(req.headers)) return sendPage(res, 401, unauthorizedPage)
    if (url.pathname === API_PATH) return sendPage(res, 426, upgradePage)
    statics(req, res)
  }

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const access = policy!
    const path = new URL(req.url ?? '/', 'http://downpour.invalid').pathname
    if (options.jsonrpc && path === JSONRPC_PATH) {
      if (!access.hostAllowed(req.headers.host)) return refuseUpgrade(socket, 421)
      return options.jsonrpc.handleUpgrade(req, socket, head)
    }
    const refusal =
      path !== API_PATH
        ? 404
        : !access.hostAllowed(req.headers.host)
          ? 421
          : !access.originAllowed(req.headers.origin, req.headers.host)
            ? 403
            : !access.authenticated(req.headers)
              ? 401
              : 0
    if (refusal !== 0) return refuseUpgrade(socket, refusal)
    // Undefined for a script with the token in `Authorization`: it has no session to end.
    const session = access.sessionOf(req.headers)
    wss.handleUpgrade(req, socket, head, (ws) => {
      const id = ++nextClient
      sockets.set(id, ws)
      ws.on('close', () => sockets.delete(id))
      if (session !== undefined) {
        access.sessions.hold(session)
        const held = socketsBySession.get(session) ?? new Set()
        held.add(ws)
        socketsBySession.set(session, held)
        ws.on('close', () => {
          access.sessions.release(session)
          socketsBySession.get(session)?.delete(ws)
        })
      }
      const log = (line: string) => options.log(`client ${id}: ${line}`)
      const stop = serveEngine(
        createSocketPort(ws, {
          log,
          ...(options.flowBounds ? { bounds: options.flowBounds } : {}),
        }),
        options.engine,
      )
      ws.on('close', stop)
      ws.on('error', (error) => log(`socket error: ${error.message}`))
    })
  }

  const logout = (access: AccessPolicy, req: IncomingMessage, res: ServerResponse): void => {
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST')
      return sendPage(res, 405, { title: 'Sign out with POST', body: 'Use the UI’s Sign out.' })
    }
    // Cookies go to every port of 127.0.0.1, so a page there is "same-site" and its POST would
    // carry the cookie: only the UI's own origin (or a non-browser client) may sign out.
    if (!access.originAllowed(req.headers.origin, req.headers.host))
      return sendPage(res, 403, { title: 'Forbidden', body: 'Sign out from the Downpour page.' })
    const session = access.sessionOf(req.headers)
    const clear = access.endSession(req.headers)
    if (session !== undefined) closeSessionSockets(session)
    req.resume()
    res.writeHead(204, { ...securityHeaders, 'Set-Cookie': clear })
    res.end()
  }

  const server: Server = options.tls
    ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, onRequest)
    : createHttpServer(onRequest)
  server.on('upgrade', onUpgrade)
  server.on('clientError', (_error, socket: Socket) => socket.destroy())

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, options.host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const port = (server.address() as AddressInfo).port
  policy = createAccessPolicy({
    bindHost: options.host,
    port,
    token: options.token,
    allowHosts: options.allowHosts ?? [],
    interfaceAddresses: options.interfaceAddresses ?? [],
    tls: options.tls !== undefined,
    ...(options.sessions ? { sessions: options.sessions } : {}),
  })
  const sweep = (): void => {
    for (const session of policy!.sessions.sweep()) closeSessionSockets(session)
  }
  const sweeper = setInterval(sweep, SESSION_SWEEP_MS)
  sweeper.unref()
  const hostPart = options.host.includes(':') ? `[${options.host}]` : options.host
  return {
    origin: `${options.tls ? 'https' : 'http'}://${hostPart}:${port}`,
    port,
    clients: () => [...sockets].map(([id, ws]) => ({ id, buffered: ws.bufferedAmount })),
    sweepSessions: sweep,
    close: async () => {
      clearInterval(sweeper)
      for (const client of wss.clients) client.terminate()
      wss.close()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

const unauthorizedPage = {
  title: 'Downpour needs its access link',
  body:
    'Open the address that <code>downpour serve</code> printed when it started: it ends in ' +
    '<code>?token=…</code>. The token is also in the file <code>serve-token</code> in the ' +
    "server's state folder, or whatever <code>--token</code> / <code>DOWNPOUR_TOKEN</code> set.",
}
const misdirectedPage = {
  title: 'Unknown host name',
  body:
    'This Downpour server does not answer to that name. Use the address it printed, or start ' +
    'it with <code>--allow-host NAME</code>.',
}
const upgradePage = { title: 'WebSocket endpoint', body: 'Connect with a WebSocket.' }

function sendPage(
  res: ServerResponse,
  status: number,
  page: { title: string; body: string },
): void {
  const html =
    `<!doctype html><html lang="en"><meta charset="utf-8"><title>${page.title}</title>` +
    `<h1>${page.title}</h1><p>${page.body}</p></html>\n`
  res.writeHead(status, {
    ...securityHeaders,
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': Buffer.byteLength(html),
  })
  res.end(res.req.method === 'HEAD' ? undefined : html)
}

const reasons: Record<number, string> = {
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  421: 'Misdirected Request',
}

function refuseUpgrade(socket: Duplex, status: number): void {
  socket.on('error', () => {})
  socket.end(
    `HTTP/1.1 ${status} ${reasons[status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`,
  )
}
