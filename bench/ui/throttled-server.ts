import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * A loopback file server for the UI benchmark: `/f/<n>.bin` is `fileBytes` long, sent to each
 * connection at `bytesPerSecond` (a chunk every 100 ms), so every transfer stays active for the
 * whole run and the engine's throughput is bounded by the server, not the disk. It counts every
 * body byte written, which is the engine's throughput as the network sees it.
 */
export type ThrottledServer = {
  url(n: number): string
  /** Body bytes written so far. */
  served(): number
  /** Connections with a response in flight. */
  open(): number
  close(): Promise<void>
}

export async function startThrottledServer(options: {
  fileBytes: number
  bytesPerSecond: number
  /** Loopback addresses to serve from (default 4). */
  hosts?: number
}): Promise<ThrottledServer> {
  const { fileBytes, bytesPerSecond, hosts = 4 } = options
  const tickMs = 100
  const chunk = Math.max(1, Math.round((bytesPerSecond * tickMs) / 1000))
  const body = Buffer.alloc(chunk, 0x61)
  let served = 0
  let open = 0
  const handler: Parameters<typeof createServer>[1] = (req, res) => {
    if (!req.url?.startsWith('/f/')) {
      res.writeHead(404).end()
      return
    }
    // Single ranges are served (206), so a download may use several connections, each paced.
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '')
    let at = 0
    let end = fileBytes
    if (range) {
      at = Number(range[1])
      end = range[2] ? Math.min(fileBytes, Number(range[2]) + 1) : fileBytes
      if (at >= end) {
        res.writeHead(416, { 'content-range': `bytes */${fileBytes}` }).end()
        return
      }
      res.writeHead(206, {
        'content-length': String(end - at),
        'content-range': `bytes ${at}-${end - 1}/${fileBytes}`,
        'content-type': 'application/octet-stream',
        'accept-ranges': 'bytes',
        etag: '"bench"',
      })
    } else
      res.writeHead(200, {
        'content-length': String(fileBytes),
        'content-type': 'application/octet-stream',
        'accept-ranges': 'bytes',
        etag: '"bench"',
      })
    open++
    const timer = setInterval(() => {
      if (res.destroyed) return stop()
      const n = Math.min(chunk, end - at)
      res.write(n === chunk ? body : body.subarray(0, n))
      at += n
      served += n
      if (at >= end) {
        res.end()
        stop()
      }
    }, tickMs)
    let stopped = false
    const stop = () => {
      if (stopped) return
      stopped = true
      open--
      clearInterval(timer)
    }
    res.on('close', stop)
  }
  // The engine allows at most 64 connections to one host: the files are spread over several
  // loopback addresses (127.0.0.1–N, all local on Linux), one server each.
  const servers: { server: Server; origin: string }[] = []
  for (let i = 1; i <= hosts; i++) {
    const server = createServer(handler)
    server.keepAliveTimeout = 1000
    const address = `127.0.0.${i}`
    await new Promise<void>((resolve) => server.listen(0, address, resolve))
    const { port } = server.address() as AddressInfo
    servers.push({ server, origin: `http://${address}:${port}` })
  }
  return {
    url: (n) => `${servers[n % hosts]!.origin}/f/${n}.bin`,
    served: () => served,
    open: () => open,
    close: () =>
      Promise.all(
        servers.map(
          ({ server }) =>
            new Promise<void>((resolve) => {
              server.closeAllConnections()
              server.close(() => resolve())
            }),
        ),
      ).then(() => undefined),
  }
}
