// Fallback static server for machines without nginx, run as its own process:
//   node bench/server-node.ts ROOT
// It prints {"port":N} on stdout once listening on 127.0.0.1 and serves ROOT under three prefixes,
// like bench/server-nginx.ts: /plain/ unthrottled, /capped/ at 4 MiB/s per request, /mixed/ at
// 1 MiB/s when the client port ends in 0-4 and 16 MiB/s otherwise. GET/HEAD, single byte ranges.
// It competes with the client for the CPU far more than nginx does; prefer nginx.
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import path from 'node:path'
import { pipeline } from 'node:stream/promises'

const MiB = 1024 * 1024
const root = path.resolve(process.argv[2] ?? '.')

function rateFor(prefix: string, remotePort: number | undefined): number {
  if (prefix === 'capped') return 4 * MiB
  if (prefix === 'mixed') return (remotePort ?? 0) % 10 <= 4 ? 1 * MiB : 16 * MiB
  return 0
}

/** Paces chunks so that `sent` never runs ahead of `rate * elapsed` (what nginx limit_rate does). */
function throttle(rate: number) {
  return async function* (source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    const t0 = performance.now()
    let sent = 0
    for await (const chunk of source) {
      sent += chunk.length
      const wait = t0 + (sent / rate) * 1000 - performance.now()
      if (wait > 1) await new Promise((r) => setTimeout(r, wait))
      yield chunk
    }
  }
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://x')
  const m = /^\/(plain|capped|mixed)\/(.+)$/.exec(decodeURIComponent(url.pathname))
  if ((req.method !== 'GET' && req.method !== 'HEAD') || m === null) {
    res.writeHead(m === null ? 404 : 405).end()
    return
  }
  const prefix = m[1] ?? 'plain'
  const file = path.join(root, path.normalize(`/${m[2] ?? ''}`))
  let size: number
  let mtime: Date
  try {
    const st = await stat(file)
    if (!st.isFile()) throw new Error('not a file')
    size = st.size
    mtime = st.mtime
  } catch {
    res.writeHead(404).end()
    return
  }
  const etag = `"${size.toString(16)}-${Math.floor(mtime.getTime() / 1000).toString(16)}"`
  const headers: Record<string, string | number> = {
    'content-type': 'application/octet-stream',
    'accept-ranges': 'bytes',
    'last-modified': mtime.toUTCString(),
    etag,
  }
  let start = 0
  let end = size - 1
  let status = 200
  const range = req.headers.range
  const ifRange = req.headers['if-range']
  if (range !== undefined && (ifRange === undefined || ifRange === etag)) {
    const r = /^bytes=(\d*)-(\d*)$/.exec(range.trim())
    if (r !== null && (r[1] !== '' || r[2] !== '')) {
      if (r[1] === '') {
        start = Math.max(0, size - Number(r[2]))
      } else {
        start = Number(r[1])
        if (r[2] !== '') end = Math.min(end, Number(r[2]))
      }
      if (start > end || start >= size) {
        res.writeHead(416, { 'content-range': `bytes */${size}` }).end()
        return
      }
      status = 206
      headers['content-range'] = `bytes ${start}-${end}/${size}`
    }
  }
  headers['content-length'] = end - start + 1
  res.writeHead(status, headers)
  if (req.method === 'HEAD' || end < start) {
    res.end()
    return
  }
  const rate = rateFor(prefix, req.socket.remotePort)
  const body = createReadStream(file, { start, end, highWaterMark: rate > 0 ? 16 * 1024 : MiB })
  if (rate > 0) await pipeline(body, throttle(rate), res)
  else await pipeline(body, res)
}

const server = createServer({ keepAliveTimeout: 65_000, requestTimeout: 0 }, (req, res) => {
  handle(req, res).catch(() => res.destroy())
})
server.listen(0, '127.0.0.1', () => {
  const addr = server.address()
  const port = typeof addr === 'object' && addr !== null ? addr.port : 0
  process.stdout.write(`${JSON.stringify({ port })}\n`)
})
for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => process.exit(0))
