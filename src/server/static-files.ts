import { createHash } from 'node:crypto'
import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs'
import { open, realpath } from 'node:fs/promises'
import type { FileHandle } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { extname, isAbsolute, join, relative, sep } from 'node:path'
import { pipeline } from 'node:stream/promises'

/** A request listener for node:http that serves one directory of built files. */
export type StaticHandler = (req: IncomingMessage, res: ServerResponse) => void

/**
 * The policy for the built UI: only our own scripts and styles, no inline code, no plugins,
 * never framed. 'self' also covers the same-origin WebSocket that `downpour serve` will use.
 */
export const staticContentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ')

const contentTypes: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
}

const baseHeaders = {
  'X-Content-Type-Options': 'nosniff',
  'Content-Security-Policy': staticContentSecurityPolicy,
  'Referrer-Policy': 'no-referrer',
} as const

/** Maps a file name to the Content-Type it is served with; unknown types are not guessed. */
export function contentTypeFor(fileName: string): string {
  return contentTypes[extname(fileName).toLowerCase()] ?? 'application/octet-stream'
}

/** Most the handler keeps in memory; files past it (and files added later) are read per request. */
export const PRELOAD_LIMIT_BYTES = 64 * 1024 * 1024

/** Vite's content-hashed asset names (`index-D7t8kTbz.js`): a new build gives a new name. */
const HASHED_ASSET = /^assets\/[^/]+-[A-Za-z0-9_-]{8}\.[a-z0-9]+$/

type Preloaded = { body: Buffer; etag: string; lastModified: string; cacheControl: string }

/**
 * Serves files below `rootDir` (e.g. `out/renderer`) to GET and HEAD requests; `/` and any
 * path ending in `/` serve that directory's `index.html`.
 *
 * Requests come from the network, so the path is checked twice: each decoded segment must be
 * a plain name (no `..`, `.`, separators, NUL or leading dot), and the file's real path, after
 * symlinks, must still lie inside the root's real path. Files are opened once and served from
 * that handle, so what was checked is what is sent.
 *
 * The built UI is read into memory once, at start, under the same rules (bench:ui): `downpour
 * serve` runs the engine on the same event loop, and under load each file's realpath, open,
 * stat, read and close waited in libuv's four-thread pool behind the transfers' disk writes, so
 * the page took seconds to arrive. From memory a request is answered in the turn it arrives.
 * Hashed assets are cached by the browser for good (`immutable`), the rest revalidated by ETag.
 */
export function createStaticHandler(rootDir: string): StaticHandler {
  let root: string
  try {
    root = realpathSync(rootDir)
  } catch (error) {
    throw new Error(`Static root ${rootDir} does not exist; build the UI first.`, { cause: error })
  }
  const preloaded = preload(root)
  return (req, res) => {
    if (serveFromMemory(preloaded, req, res)) return
    serve(root, req, res).catch((error: unknown) => {
      if (!res.headersSent) sendStatus(res, 500, 'Internal Server Error', req.method === 'HEAD')
      else res.destroy(error instanceof Error ? error : undefined)
    })
  }
}

/** Reads every servable file below `root` (not hidden, real path inside the root). */
function preload(root: string): Map<string, Preloaded> {
  const files = new Map<string, Preloaded>()
  let total = 0
  const walk = (dir: string, prefix: string, depth: number): void => {
    if (depth > 16) return
    let names: string[]
    try {
      names = readdirSync(dir)
    } catch {
      return
    }
    for (const name of names.sort()) {
      if (name.startsWith('.')) continue
      const path = join(dir, name)
      let real: string
      try {
        real = realpathSync(path)
      } catch {
        continue
      }
      if (!isInside(root, real)) continue
      const key = prefix + name
      const stats = statSync(real)
      if (stats.isDirectory()) walk(path, `${key}/`, depth + 1)
      else if (stats.isFile() && total + stats.size <= PRELOAD_LIMIT_BYTES) {
        const body = readFileSync(real)
        total += body.length
        files.set(key, {
          body,
          etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
          lastModified: stats.mtime.toUTCString(),
          cacheControl: HASHED_ASSET.test(key) ? 'public, max-age=31536000, immutable' : 'no-cache',
        })
      }
    }
  }
  walk(root, '', 0)
  return files
}

/** Answers from the preloaded files; false when the request is not for one of them. */
function serveFromMemory(
  files: Map<string, Preloaded>,
  req: IncomingMessage,
  res: ServerResponse,
): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false
  const segments = parseRequestPath(req.url)
  if (typeof segments === 'string') return false
  const file = files.get(segments.join('/'))
  if (file === undefined) return false
  const headers = {
    ...baseHeaders,
    'Content-Type': contentTypeFor(segments.at(-1) ?? ''),
    'Cache-Control': file.cacheControl,
    ETag: file.etag,
    'Last-Modified': file.lastModified,
  }
  if (req.headers['if-none-match'] === file.etag) {
    res.writeHead(304, headers)
    res.end()
    return true
  }
  res.writeHead(200, { ...headers, 'Content-Length': file.body.length })
  res.end(req.method === 'HEAD' ? undefined : file.body)
  return true
}

async function serve(root: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const isHead = req.method === 'HEAD'
  if (req.method !== 'GET' && !isHead) {
    res.setHeader('Allow', 'GET, HEAD')
    sendStatus(res, 405, 'Method Not Allowed', false)
    return
  }

  const segments = parseRequestPath(req.url)
  if (segments === 'bad-request') return sendStatus(res, 400, 'Bad Request', isHead)
  if (segments === 'not-found') return sendStatus(res, 404, 'Not Found', isHead)

  const handle = await openInsideRoot(root, segments)
  if (handle === undefined) return sendStatus(res, 404, 'Not Found', isHead)

  try {
    const stats = await handle.stat()
    if (!stats.isFile()) return sendStatus(res, 404, 'Not Found', isHead)
    res.writeHead(200, {
      ...baseHeaders,
      // Typed by the name that was asked for, not by where a symlink happens to point.
      'Content-Type': contentTypeFor(segments.at(-1) ?? ''),
      'Content-Length': stats.size,
      // Clients revalidate every time: the built file names are stable only for index.html.
      'Cache-Control': 'no-cache',
      'Last-Modified': stats.mtime.toUTCString(),
    })
    if (isHead) {
      res.end()
      return
    }
    await pipeline(handle.createReadStream({ autoClose: false }), res)
  } finally {
    await handle.close()
  }
}

/**
 * Splits the request target into decoded path segments, with `index.html` appended for a
 * trailing slash. Returns 'bad-request' for anything that is not a plain origin-form path
 * (absolute URLs, traversal, encoded separators, NUL, malformed escapes, and `:`, which names
 * drives and alternate data streams on Windows), and 'not-found' for hidden files, which are
 * never served.
 */
export function parseRequestPath(url: string | undefined): string[] | 'bad-request' | 'not-found' {
  if (url === undefined || !url.startsWith('/')) return 'bad-request'
  const end = url.search(/[?#]/)
  const rawPath = end === -1 ? url : url.slice(0, end)
  const rawSegments = rawPath.split('/').slice(1)
  const segments: string[] = []
  for (const [index, raw] of rawSegments.entries()) {
    let segment: string
    try {
      segment = decodeURIComponent(raw)
    } catch {
      return 'bad-request'
    }
    if (segment === '.' || segment === '..' || /[/\\\0:]/.test(segment)) return 'bad-request'
    if (segment === '') {
      // Empty segments come from `//` or a trailing slash; only the latter means "index".
      if (index === rawSegments.length - 1) segments.push('index.html')
      continue
    }
    if (segment.startsWith('.')) return 'not-found'
    segments.push(segment)
  }
  return segments.length === 0 ? ['index.html'] : segments
}

async function openInsideRoot(
  root: string,
  segments: readonly string[],
): Promise<FileHandle | undefined> {
  const candidate = join(root, ...segments)
  if (!isInside(root, candidate)) return undefined
  let real: string
  try {
    real = await realpath(candidate)
  } catch {
    return undefined
  }
  if (!isInside(root, real)) return undefined
  try {
    return await open(real, 'r')
  } catch {
    return undefined
  }
}

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path)
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel)
}

function sendStatus(res: ServerResponse, status: number, message: string, isHead: boolean): void {
  const body = `${status} ${message}\n`
  res.writeHead(status, {
    ...baseHeaders,
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
  })
  res.end(isHead ? undefined : body)
}
