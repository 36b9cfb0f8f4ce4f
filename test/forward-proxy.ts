/**
 * A tiny, real HTTP forward proxy on 127.0.0.1 for tests. It carries both kinds of proxied
 * traffic a client may send: absolute-form requests (`GET http://host:port/path`, what undici's
 * ProxyAgent sends for an http:// target) and CONNECT tunnels (what it sends for https://, or for
 * http:// with `proxyTunnel: true`), and records each one.
 */
import { createServer, request as httpRequest, type OutgoingHttpHeaders } from 'node:http'
import { connect, type AddressInfo, type Socket } from 'node:net'

/** Added to every request forwarded in absolute form, so the origin server can tell. */
export const VIA = '1.1 downpour-test-proxy'

export type ProxiedHop = {
  /** `forward`: an absolute-form request re-sent by the proxy; `tunnel`: a CONNECT. */
  kind: 'forward' | 'tunnel'
  /** `host:port` the proxy connected to. */
  target: string
  /** The forwarded request's method and origin-form path (forward only). */
  method?: string
  path?: string
}

export type ForwardProxy = {
  /** `http://127.0.0.1:PORT` */
  origin: string
  /** Every request forwarded and tunnel opened, in arrival order. */
  hops(): ProxiedHop[]
  /** Destroys open connections and tunnels; resolves when the server is closed. */
  close(): Promise<void>
}

// Hop-by-hop headers (RFC 9110 §7.6.1) belong to one connection and are not forwarded.
const HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'proxy-authenticate',
  'te',
  'trailer',
  'upgrade',
]

function withoutHopByHop(headers: OutgoingHttpHeaders): OutgoingHttpHeaders {
  const copy = { ...headers }
  for (const name of HOP_BY_HOP) delete copy[name]
  return copy
}

export async function startForwardProxy(): Promise<ForwardProxy> {
  const hops: ProxiedHop[] = []
  // Client sockets and upstream sockets of tunnels: CONNECT detaches a socket from the HTTP
  // server, so closeAllConnections() would not end it.
  const sockets = new Set<Socket>()
  const track = (socket: Socket): void => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  }

  const server = createServer((req, res) => {
    let target: URL
    try {
      target = new URL(req.url ?? '')
    } catch {
      res.writeHead(400, { 'Content-Type': 'text/plain' }).end('absolute-form request expected')
      return
    }
    if (target.protocol !== 'http:') {
      res.writeHead(400, { 'Content-Type': 'text/plain' }).end('only http:// is forwarded')
      return
    }
    const path = target.pathname + target.search
    const method = req.method ?? 'GET'
    hops.push({ kind: 'forward', target: target.host, method, path })
    // A fresh upstream connection per request (agent: false) keeps shutdown simple.
    const upstream = httpRequest({
      host: target.hostname,
      port: Number(target.port || 80),
      method,
      path,
      headers: { ...withoutHopByHop(req.headers), host: target.host, via: VIA },
      agent: false,
    })
    upstream.on('socket', track)
    upstream.on('response', (answer) => {
      res.writeHead(answer.statusCode ?? 502, withoutHopByHop(answer.headers))
      answer.pipe(res)
      answer.on('error', () => res.destroy())
    })
    upstream.on('error', () => {
      if (res.headersSent) res.destroy()
      else res.writeHead(502, { 'Content-Type': 'text/plain' }).end('upstream failed')
    })
    // The client went away mid-response (pause, cancelled segment): stop the upstream too.
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy()
    })
    req.pipe(upstream)
  })

  server.on('connect', (req, client: Socket, head: Buffer) => {
    track(client)
    const authority = req.url ?? ''
    let host: string
    let port: number
    try {
      const parsed = new URL(`http://${authority}`)
      host = parsed.hostname.replace(/^\[(.*)\]$/, '$1')
      port = Number(parsed.port)
    } catch {
      client.end('HTTP/1.1 400 Bad Request\r\n\r\n')
      return
    }
    if (!port) {
      client.end('HTTP/1.1 400 Bad Request\r\n\r\n')
      return
    }
    hops.push({ kind: 'tunnel', target: authority })
    let established = false
    const upstream = connect(port, host, () => {
      established = true
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      if (head.length > 0) upstream.write(head)
      upstream.pipe(client)
      client.pipe(upstream)
    })
    track(upstream)
    upstream.on('error', () => {
      if (!established) client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n')
      else client.destroy()
    })
    client.on('error', () => upstream.destroy())
    upstream.on('close', () => {
      if (established) client.destroy()
    })
    client.on('close', () => upstream.destroy())
  })
  server.on('connection', track)

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    origin: `http://127.0.0.1:${port}`,
    hops: () => [...hops],
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        for (const socket of sockets) socket.destroy()
      }),
  }
}
