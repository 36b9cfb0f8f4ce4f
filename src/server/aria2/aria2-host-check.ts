import { isIP } from 'node:net'

/**
 * The guard against DNS rebinding: a page on `evil.example` whose name is re-pointed at
 * 127.0.0.1 still sends `Host: evil.example`. IP literals and `localhost` cannot be re-pointed,
 * so they always pass; any other name must be listed (a home server's `nas.local`, say).
 */
export function isAllowedHost(header: string | undefined, allowed: readonly string[]): boolean {
  if (!header) return false
  const name = hostName(header)
  if (name === null) return false
  if (name === 'localhost' || isIP(name) !== 0) return true
  return allowed.some((a) => a.toLowerCase() === name)
}

/** The name in a Host header, without its port and IPv6 brackets; null when malformed. */
function hostName(header: string): string | null {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+))(?::\d{1,5})?$/.exec(header.trim())
  if (!m) return null
  return (m[1] ?? m[2]!).toLowerCase().replace(/\.$/, '')
}
