import { extname, isAbsolute, join, relative } from 'node:path'

/**
 * The built window is served from `app://downpour/`, not `file://`. Under `file://` a CSP
 * `'self'` matches every local file, so an HTML injection could load a downloaded `.js`; under
 * a privileged custom scheme `'self'` is the app's own origin and nothing else, and the handler
 * (app-protocol.ts) serves only files below the built renderer folder.
 */
export const APP_SCHEME = 'app'
export const APP_HOST = 'downpour'
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`

/**
 * The privileges `protocol.registerSchemesAsPrivileged` gives the scheme: standard (relative
 * URLs and an origin of its own), secure (a secure context, like https), fetch and a V8 code
 * cache for its scripts. Not `bypassCSP`, no service workers, no extensions.
 */
export const APP_SCHEME_PRIVILEGES = {
  scheme: APP_SCHEME,
  privileges: {
    standard: true,
    secure: true,
    supportFetchAPI: true,
    codeCache: true,
    bypassCSP: false,
    allowServiceWorkers: false,
    corsEnabled: false,
    stream: false,
  },
} as const

/**
 * The policy sent with every app:// response (the page's meta CSP stays for `downpour serve`
 * and the dev server). Only the app's own origin may provide scripts, styles, images, fonts
 * and connections; no plugins, frames, workers, `<base>` or form posts; nothing may frame it.
 */
export const APP_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "frame-src 'none'",
  "worker-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ')

const MIME_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
}

export type AppRequest =
  | { ok: true; path: string; mimeType: string }
  | { ok: false; status: 400 | 403 | 404; reason: string }

/**
 * Maps an app:// request URL to a file below `root` (the built renderer folder), or refuses it:
 * another host, user info or port (400); a path that is not plain segments below `root` —
 * `..`, `.`, an encoded slash or backslash, a NUL, a drive letter (403); a type the app does not
 * ship (404). `/` is `index.html`. Pure: whether the file exists is the handler's business.
 */
export function resolveAppRequest(requestUrl: string, root: string): AppRequest {
  let url: URL
  try {
    url = new URL(requestUrl)
  } catch {
    return { ok: false, status: 400, reason: 'not a URL' }
  }
  if (url.protocol !== `${APP_SCHEME}:` || url.hostname.toLowerCase() !== APP_HOST)
    return { ok: false, status: 400, reason: `not ${APP_ORIGIN}` }
  if (url.username !== '' || url.password !== '' || url.port !== '')
    return { ok: false, status: 400, reason: 'user info or port' }
  const raw = url.pathname === '/' ? '/index.html' : url.pathname
  const segments: string[] = []
  for (const encoded of raw.split('/').slice(1)) {
    let segment: string
    try {
      segment = decodeURIComponent(encoded)
    } catch {
      return { ok: false, status: 400, reason: 'bad percent-encoding' }
    }
    if (
      segment === '' ||
      segment === '.' ||
      segment === '..' ||
      /[/\\\0:]/.test(segment) ||
      segment.trim() !== segment
    )
      return { ok: false, status: 403, reason: `refused path segment ${JSON.stringify(segment)}` }
    segments.push(segment)
  }
  const path = join(root, ...segments)
  const below = relative(root, path)
  if (below === '' || below.startsWith('..') || isAbsolute(below))
    return { ok: false, status: 403, reason: 'outside the app folder' }
  const mimeType = MIME_TYPES[extname(path).toLowerCase()]
  if (mimeType === undefined) return { ok: false, status: 404, reason: 'not a type the app ships' }
  return { ok: true, path, mimeType }
}
