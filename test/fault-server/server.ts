/** The fault server: routing, recording, connection bookkeeping and shutdown. */
import { createServer } from 'node:http'
import type { OutgoingHttpHeaders } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { parseRange, wireHeaderValue } from './http-semantics.ts'
import { serveFile } from './file-route.ts'
import type { Exchange, FileRoute } from './file-route.ts'
import type { FaultServer, FileOptions, Handler, RawEnding, RecordedRequest } from './types.ts'

type Route =
  | FileRoute
  | { kind: 'redirect'; location: string; status: number }
  | { kind: 'handler'; handler: Handler }
  | { kind: 'raw'; bytes: Buffer; ending: RawEnding }

const noop = (): void => {}

/** The route key of a request target: the path without its query string. */
function routeKey(target: string): string {
  const q = target.indexOf('?')
  return q === -1 ? target : target.slice(0, q)
}

export async function startFaultServer(): Promise<FaultServer> {
  const routes = new Map<string, Route>()
  const records: RecordedRequest[] = []
  const servedByRoute = new Map<string, number>()
  const activeByRoute = new Map<string, number>()
  const maxActiveByRoute = new Map<string, number>()
  let servedTotal = 0
  const connectionIds = new Map<Socket, number>()
  /** Sockets whose client has not closed them yet (for maxConcurrentConnections). */
  const openSockets = new Set<Socket>()
  let connectionsOpened = 0
  let maxConcurrent = 0
  const lifetime = new AbortController()

  const countBytes = (key: string, n: number): void => {
    servedTotal += n
    servedByRoute.set(key, (servedByRoute.get(key) ?? 0) + n)
  }

  const server = createServer((req, res) => {
    res.on('error', noop)
    const socket = req.socket
    const target = req.url ?? '/'
    const key = routeKey(target)
    const range = parseRange(req.headers.range)
    const record: RecordedRequest = {
      method: req.method ?? 'GET',
      path: target,
      headers: req.headers,
      connectionId: connectionIds.get(socket) ?? 0,
      bytesServed: 0,
    }
    if (range !== undefined) record.range = range
    records.push(record)

    const active = (activeByRoute.get(key) ?? 0) + 1
    activeByRoute.set(key, active)
    maxActiveByRoute.set(key, Math.max(active, maxActiveByRoute.get(key) ?? 0))
    const responseDone = new AbortController()
    // A response stops counting as active at the first sign its client is gone (its FIN or
    // reset, read in the order the kernel delivered it), not at 'close', which comes a loop
    // turn later: a new connection accepted meanwhile would count as overlapping it.
    let counted = true
    const uncount = (): void => {
      if (!counted) return
      counted = false
      activeByRoute.set(key, (activeByRoute.get(key) ?? 1) - 1)
    }
    socket.once('end', uncount)
    socket.once('error', uncount)
    res.once('close', () => {
      socket.off('end', uncount)
      socket.off('error', uncount)
      uncount()
      if (record.status === undefined && res.headersSent) record.status = res.statusCode
      responseDone.abort()
    })
    const ex: Exchange = {
      req,
      res,
      socket,
      record,
      range,
      signal: AbortSignal.any([lifetime.signal, responseDone.signal]),
      writeHead(status, headers) {
        record.status = status
        res.writeHead(status, headers)
      },
      countBytes: (n) => {
        record.bytesServed += n
        countBytes(key, n)
      },
    }
    dispatch(routes.get(key), ex).catch((err: unknown) => {
      console.error(`fault-server: ${record.method} ${target} failed:`, err)
      if (res.headersSent) socket.destroy()
      else {
        ex.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' })
        res.end(`fault-server: ${String(err)}`)
      }
    })
  })

  server.on('connection', (socket: Socket) => {
    connectionsOpened += 1
    connectionIds.set(socket, connectionsOpened)
    openSockets.add(socket)
    maxConcurrent = Math.max(maxConcurrent, openSockets.size)
    socket.on('error', noop) // a client that vanishes must never crash the server
    // Closed for the high-water mark at its client's FIN or reset (see uncount above).
    const gone = (): boolean => openSockets.delete(socket)
    socket.once('end', gone)
    socket.once('error', gone)
    socket.once('close', () => {
      gone()
      connectionIds.delete(socket)
    })
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  server.on('error', noop)
  const { port } = server.address() as AddressInfo
  const origin = `http://127.0.0.1:${port}`

  let closing: Promise<void> | undefined

  const fileRoute = (
    body: Buffer,
    options: FileOptions,
    version: number,
    gets: number,
  ): FileRoute => ({
    kind: 'file',
    body,
    options,
    version,
    gets,
  })

  return {
    origin,
    url: (path) => origin + path,
    file(path, body, options = {}) {
      routes.set(path, fileRoute(body, options, 0, 0))
    },
    replace(path, body, options = {}) {
      const old = routes.get(path)
      if (old?.kind !== 'file') throw new Error(`fault-server: replace(${path}): not a file route`)
      const { etag: _etag, lastModified: _lastModified, ...kept } = old.options
      routes.set(path, fileRoute(body, { ...kept, ...options }, old.version + 1, old.gets))
    },
    redirect(path, location, status = 302) {
      routes.set(path, { kind: 'redirect', location, status })
    },
    handle(path, handler) {
      routes.set(path, { kind: 'handler', handler })
    },
    raw(path, response, ending = 'close') {
      const bytes = typeof response === 'string' ? Buffer.from(response, 'utf8') : response
      routes.set(path, { kind: 'raw', bytes, ending })
    },
    requests(path) {
      if (path === undefined) return [...records]
      if (path.includes('?')) return records.filter((r) => r.path === path)
      return records.filter((r) => routeKey(r.path) === path)
    },
    bytesServed: (path) => (path === undefined ? servedTotal : (servedByRoute.get(path) ?? 0)),
    connectionsOpened: () => connectionsOpened,
    maxConcurrentConnections: () => maxConcurrent,
    openConnections: () => openSockets.size,
    maxConcurrentRequests: (path) => maxActiveByRoute.get(path) ?? 0,
    activeRequests: (path) => activeByRoute.get(path) ?? 0,
    close() {
      closing ??= new Promise<void>((resolve) => {
        lifetime.abort()
        server.close(() => resolve())
        for (const socket of connectionIds.keys()) socket.destroy()
      })
      return closing
    },
  }
}

async function dispatch(route: Route | undefined, ex: Exchange): Promise<void> {
  const { req, res } = ex
  switch (route?.kind) {
    case undefined:
      sendSimple(ex, 404, {}, 'Not Found')
      return
    case 'file':
      await serveFile(route, ex)
      return
    case 'redirect':
      sendSimple(ex, route.status, { Location: wireHeaderValue(route.location) }, '')
      return
    case 'handler':
      route.handler(req, res)
      return
    case 'raw':
      writeRaw(route.bytes, route.ending, ex)
      return
  }
}

function sendSimple(
  ex: Exchange,
  status: number,
  headers: OutgoingHttpHeaders,
  body: string,
): void {
  const bytes = Buffer.from(body, 'utf8')
  const all: OutgoingHttpHeaders = { ...headers, 'Content-Length': String(bytes.length) }
  if (bytes.length > 0) all['Content-Type'] = 'text/plain; charset=utf-8'
  ex.writeHead(status, all)
  ex.res.end(ex.req.method === 'HEAD' ? undefined : bytes)
}

/** Bypasses node:http entirely: the bytes go straight to the socket. */
function writeRaw(bytes: Buffer, ending: RawEnding, ex: Exchange): void {
  const { socket } = ex
  socket.write(bytes, (err) => {
    if (err) return
    ex.countBytes(bytes.length)
    if (ending === 'close') socket.end()
    else if (ending === 'reset' && !socket.destroyed) socket.resetAndDestroy()
  })
}
