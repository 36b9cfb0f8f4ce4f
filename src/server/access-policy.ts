import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import { isIP } from 'node:net'

/**
 * Who may talk to `downpour serve`. Everything here is a pure decision on request headers, so
 * the rules are unit-tested without sockets:
 *
 * - **Host** (DNS rebinding): a page on `evil.example` whose name re-resolves to 127.0.0.1 sends
 *   `Host: evil.example`; only the names this server answers to are accepted.
 * - **Token**: the secret from the printed URL, compared in constant time. A browser trades it
 *   once for an HttpOnly, SameSite=Strict cookie holding an HMAC of it (never the token itself).
 * - **Origin** (cross-site WebSockets, which browsers do not restrict): a browser's upgrade must
 *   come from the server's own origin.
 */
export type AccessPolicy = {
  /** Whether the `Host` header names this server (then its `Origin` may be checked against it). */
  hostAllowed(host: string | undefined): boolean
  /**
   * Whether a WebSocket upgrade's `Origin` is this server's own. An absent Origin is a
   * non-browser client (a script with the token in `Authorization`), which cannot be driven
   * cross-site, so it is allowed; `null` or any other origin is refused.
   */
  originAllowed(origin: string | undefined, host: string | undefined): boolean
  /** Constant-time comparison of a presented token with the server's. */
  tokenMatches(candidate: string | undefined | null): boolean
  /** Whether the request carries the session cookie or `Authorization: Bearer <token>`. */
  authenticated(headers: {
    cookie?: string | undefined
    authorization?: string | undefined
  }): boolean
  /** The `Set-Cookie` value given in exchange for the token. */
  sessionCookie(): string
}

export type AccessPolicyOptions = {
  /** The address the server is bound to, as given (`127.0.0.1`, `::1`, `0.0.0.0`, a name). */
  bindHost: string
  port: number
  token: string
  /** Extra names for the Host check (`--allow-host`), e.g. a reverse proxy's public name. */
  allowHosts?: readonly string[]
  /** Addresses of this machine's interfaces; accepted as Host when bound to every interface. */
  interfaceAddresses?: readonly string[]
  tls: boolean
}

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '::1']
const COOKIE_MAX_AGE_S = 30 * 24 * 3600

/** True for addresses that never leave the machine: 127.0.0.0/8, ::1, `localhost`. */
export function isLoopbackHost(host: string): boolean {
  const bare = stripBrackets(host).toLowerCase()
  if (bare === 'localhost' || bare === '::1') return true
  return isIP(bare) === 4 && bare.startsWith('127.')
}

/** `0.0.0.0` / `::`: the server listens on every interface. */
export function isWildcardHost(host: string): boolean {
  const bare = stripBrackets(host)
  return bare === '0.0.0.0' || bare === '::'
}

/** The cookie's name carries the port: browsers share cookies between ports of one host. */
export function sessionCookieName(port: number): string {
  return `downpour-session-${port}`
}

export function createAccessPolicy(options: AccessPolicyOptions): AccessPolicy {
  const names = new Set<string>()
  const bind = normalizeHostName(options.bindHost)
  if (bind !== undefined && !isWildcardHost(bind)) names.add(bind)
  if (isLoopbackHost(options.bindHost)) for (const name of LOOPBACK_NAMES) names.add(name)
  if (isWildcardHost(options.bindHost)) {
    for (const name of LOOPBACK_NAMES) names.add(name)
    for (const address of options.interfaceAddresses ?? []) {
      const normalized = normalizeHostName(address)
      if (normalized !== undefined) names.add(normalized)
    }
  }
  for (const name of options.allowHosts ?? []) {
    const normalized = normalizeHostName(name)
    if (normalized !== undefined) names.add(normalized)
  }

  const tokenDigest = digest(options.token)
  const sessionValue = createHmac('sha256', options.token)
    .update('downpour serve session v1')
    .digest('base64url')
  const sessionDigest = digest(sessionValue)
  const cookieName = sessionCookieName(options.port)
  const scheme = options.tls ? 'https:' : 'http:'

  const hostAllowed = (host: string | undefined): boolean => {
    const parsed = parseHostHeader(host)
    return parsed !== undefined && names.has(parsed.name)
  }

  return {
    hostAllowed,
    originAllowed(origin, host) {
      if (origin === undefined) return true
      if (!hostAllowed(host)) return false
      let url: URL
      try {
        url = new URL(origin)
      } catch {
        return false
      }
      // The browser's Origin and the Host it sent name the same server, scheme included.
      return url.protocol === scheme && url.host === new URL(`${scheme}//${host}`).host
    },
    tokenMatches(candidate) {
      if (typeof candidate !== 'string' || candidate === '') return false
      return timingSafeEqual(digest(candidate), tokenDigest)
    },
    authenticated(headers) {
      const bearer = /^Bearer (\S+)$/i.exec(headers.authorization ?? '')?.[1]
      if (bearer !== undefined && this.tokenMatches(bearer)) return true
      const cookie = readCookie(headers.cookie, cookieName)
      return cookie !== undefined && timingSafeEqual(digest(cookie), sessionDigest)
    },
    sessionCookie() {
      return [
        `${cookieName}=${sessionValue}`,
        'HttpOnly',
        'SameSite=Strict',
        'Path=/',
        `Max-Age=${COOKIE_MAX_AGE_S}`,
        ...(options.tls ? ['Secure'] : []),
      ].join('; ')
    },
  }
}

/** Splits a Host header into its name (lower case, IPv6 without brackets) and port. */
export function parseHostHeader(
  host: string | undefined,
): { name: string; port: string } | undefined {
  if (host === undefined || host === '' || /[\s/@?#\\]/.test(host)) return undefined
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(host)
  if (!match) return undefined
  const name = normalizeHostName(match[1]!)
  return name === undefined ? undefined : { name, port: match[2] ?? '' }
}

function normalizeHostName(name: string): string | undefined {
  const bare = stripBrackets(name.trim()).toLowerCase().replace(/\.$/, '')
  return bare === '' ? undefined : bare
}

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest()
}

function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim()
  }
  return undefined
}
