import { createHash, timingSafeEqual } from 'node:crypto'
import { isIP } from 'node:net'
import {
  createSessionStore,
  SESSION_ABSOLUTE_MS,
  type SessionStore,
  type SessionStoreOptions,
} from './session-store.ts'

/**
 * Who may talk to `downpour serve`. Everything here is a pure decision on request headers, so
 * the rules are unit-tested without sockets:
 *
 * - **Host** (DNS rebinding): a page on `evil.example` whose name re-resolves to 127.0.0.1 sends
 *   `Host: evil.example`; only the names this server answers to are accepted.
 * - **Token**: the secret from the printed URL, compared in constant time. A browser trades it
 *   once for an HttpOnly, SameSite=Strict cookie holding a random session id, known only to this
 *   process (session-store.ts): it expires, ends at sign-out and at restart, and tells whoever
 *   sees it (any server on another 127.0.0.1 port: cookies are not port-scoped) nothing about
 *   the token.
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
  /** Whether the request carries a live session's cookie or `Authorization: Bearer <token>`. */
  authenticated(headers: RequestCredentials): boolean
  /** The live session the request's cookie names, if any (counts as use). */
  sessionOf(headers: RequestCredentials): string | undefined
  /** Starts a session: the `Set-Cookie` value given in exchange for the token. */
  startSession(): string
  /** Ends the request's session, if any: the `Set-Cookie` value that clears the cookie. */
  endSession(headers: RequestCredentials): string
  /** The browser sessions (the server sweeps expired ones and closes their sockets). */
  readonly sessions: SessionStore
}

export type RequestCredentials = {
  cookie?: string | undefined
  authorization?: string | undefined
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
  /** Session lifetimes and clock (tests); defaults in session-store.ts. */
  sessions?: SessionStoreOptions
}

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '::1']

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
  const sessions = createSessionStore(options.sessions)
  // The browser may forget the cookie when the server has; never later.
  const cookieMaxAgeS = Math.floor((options.sessions?.absoluteMs ?? SESSION_ABSOLUTE_MS) / 1000)
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
      return this.sessionOf(headers) !== undefined
    },
    sessionOf(headers) {
      const id = readCookie(headers.cookie, cookieName)
      return id !== undefined && sessions.check(id) ? id : undefined
    },
    startSession() {
      return cookie(sessions.create(), cookieMaxAgeS)
    },
    endSession(headers) {
      const id = readCookie(headers.cookie, cookieName)
      if (id !== undefined) sessions.end(id)
      return cookie('', 0)
    },
    sessions,
  }

  function cookie(value: string, maxAgeS: number): string {
    return [
      `${cookieName}=${value}`,
      'HttpOnly',
      'SameSite=Strict',
      'Path=/',
      `Max-Age=${maxAgeS}`,
      ...(options.tls ? ['Secure'] : []),
    ].join('; ')
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
