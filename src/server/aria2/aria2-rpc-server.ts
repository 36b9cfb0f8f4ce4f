import { createServer as createHttpServer, type Server } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo, Socket } from 'node:net'
import { createAria2Endpoint, type Aria2EndpointOptions } from './aria2-endpoint.ts'
import { ARIA2_CODES } from './aria2-error.ts'
import { isAllowedHost } from './aria2-host-check.ts'

/** aria2's default RPC port; `downpour serve` uses it too. */
export const ARIA2_DEFAULT_PORT = 6800
/** Where the desktop app listens (Motrix's port: extensions made for Motrix find it there). */
export const ARIA2_DESKTOP_PORT = 16800

export type Aria2RpcServerOptions = Omit<Aria2EndpointOptions, 'hostAllowed'> & {
  /** Default 127.0.0.1. */
  host?: string
  /** Default 6800; 0 picks a free port. */
  port?: number
  /**
   * Host names (besides IP literals and `localhost`) that requests may name in `Host`: the
   * guard against DNS rebinding. A home server reached as `nas.local` lists `nas.local`.
   */
  allowedHosts?: readonly string[]
  /** A stricter Host rule (`downpour serve` passes its own); replaces `allowedHosts`. */
  hostAllowed?: (host: string | undefined) => boolean
  /** Serve HTTPS/WSS (aria2's `--rpc-secure`). */
  tls?: { cert: Buffer; key: Buffer }
}

export type Aria2RpcServer = {
  /** `http(s)://HOST:PORT/jsonrpc` */
  readonly url: string
  readonly port: number
  /** Stops listening, closes every WebSocket, stops following the engine. */
  close(): Promise<void>
}

/** aria2's JSON-RPC (see `createAria2Endpoint`) on its own listening socket. */
export async function createAria2RpcServer(
  options: Aria2RpcServerOptions,
): Promise<Aria2RpcServer> {
  const allowed = options.allowedHosts ?? []
  const endpoint = createAria2Endpoint({
    ...options,
    hostAllowed: options.hostAllowed ?? ((host) => isAllowedHost(host, allowed)),
  })
  const server: Server = options.tls
    ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, endpoint.handleRequest)
    : createHttpServer(endpoint.handleRequest)
  server.on('upgrade', endpoint.handleUpgrade)
  server.on('clientError', refuseMalformed)
  try {
    await endpoint.ready
    const host = options.host ?? '127.0.0.1'
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(options.port ?? ARIA2_DEFAULT_PORT, host, () => {
        server.off('error', reject)
        resolve()
      })
    })
    const port = (server.address() as AddressInfo).port
    const urlHost = host.includes(':') ? `[${host}]` : host
    return {
      url: `${options.tls ? 'https' : 'http'}://${urlHost}:${port}/jsonrpc`,
      port,
      async close() {
        endpoint.close()
        server.closeAllConnections()
        await new Promise<void>((resolve) => server.close(() => resolve()))
      },
    }
  } catch (error) {
    endpoint.close()
    throw error
  }
}

/**
 * A request Node's parser refuses before the endpoint sees it (a request line and headers over
 * 16 KiB, as a GET with a large base64 batch makes; malformed HTTP) still gets a JSON-RPC
 * error a page can read, not a reset connection.
 */
function refuseMalformed(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy()
    return
  }
  const tooLarge = error.code === 'HPE_HEADER_OVERFLOW'
  const body = JSON.stringify({
    id: null,
    jsonrpc: '2.0',
    error: {
      code: ARIA2_CODES.invalidRequest,
      message: tooLarge
        ? 'Invalid Request. The request line and headers may hold at most 16 KiB: POST large calls.'
        : 'Invalid Request.',
    },
  })
  socket.end(
    `HTTP/1.1 ${tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request'}\r\n` +
      'Content-Type: application/json-rpc\r\nAccess-Control-Allow-Origin: *\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  )
}
