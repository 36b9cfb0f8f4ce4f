import { DownpourError, ERROR_CODES } from './errors.ts'

/**
 * An address missing its scheme: a host name with a dot, then a port or a path (or a `www.`
 * host alone). `file.zip` alone is a file name, not an address (.zip is also a top-level domain).
 */
const HOST_FIRST =
  /^(?:www\.(?:[a-z0-9-]+\.)+[a-z]{2,63}|(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,63}(?::\d{1,5})?[/?#]\S*|(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,63}:\d{1,5})$/i

function offerHttps(text: string): string {
  return HOST_FIRST.test(text) ? ` (did you mean https://${shorten(text)}?)` : ''
}

/** Schemes a download may use. `file:`, `javascript:`, `data:` and friends are refused. */
export const SUPPORTED_SCHEMES: ReadonlySet<string> = new Set(['http:', 'https:'])

/**
 * Parses what a person typed or pasted into a download URL, or throws a DownpourError that names
 * what is wrong. Surrounding whitespace and angle brackets (from e-mails) are tolerated.
 */
export function parseDownloadUrl(input: string): URL {
  const text = input.trim().replace(/^<(.*)>$/, '$1')
  if (text === '') throw new DownpourError(ERROR_CODES.badUrl, 'empty URL')
  let url: URL
  try {
    url = new URL(text)
  } catch {
    // Hide anything that looks like `user:password@` even in text that does not parse.
    const safe = text.replace(/\/\/([^/@\s:]*):[^/@\s]*@/, '//$1:***@')
    // `www.example.com/file.zip`, as copied from an address bar that hides the scheme: say what
    // would make it one.
    const offer = offerHttps(safe)
    throw new DownpourError(
      ERROR_CODES.badUrl,
      `not a URL: ${JSON.stringify(shorten(safe))}${offer}`,
    )
  }
  // `host.example:8080/a` parses with the scheme "host.example": a scheme has no dot in
  // practice, so it is the same address without https:// in front.
  if (url.protocol.includes('.') && HOST_FIRST.test(text))
    throw new DownpourError(
      ERROR_CODES.badUrl,
      `not a URL: ${JSON.stringify(shorten(text))}${offerHttps(text)}`,
    )
  if (!SUPPORTED_SCHEMES.has(url.protocol)) {
    throw new DownpourError(
      ERROR_CODES.unsupportedScheme,
      `unsupported scheme "${url.protocol.replace(/:$/, '')}" (only http and https): ${shorten(redactUrl(url))}`,
    )
  }
  if (url.hostname === '')
    throw new DownpourError(ERROR_CODES.badUrl, `URL has no host: ${shorten(text)}`)
  return url
}

/** The URL without its password, for logs, snapshots and messages. */
export function redactUrl(url: URL | string): string {
  // Every snapshot redacts its URLs: a serialized URL without '@' has no user info to hide,
  // and parsing it again (twice per snapshot, several snapshots per download) is measurable.
  if (typeof url === 'string' && !url.includes('@')) return url
  const copy = new URL(url.toString())
  if (copy.password) copy.password = '***'
  return copy.toString()
}

/**
 * The key two downloads are duplicates by: scheme and host lower-cased (URL does that), default
 * port dropped, fragment removed. Query order is kept: servers may care about it.
 */
export function normalizeUrlKey(url: URL): string {
  // The common case has nothing to drop: no copy (a queue of thousands adds each one). Not
  // `url.hash`: it is '' for an empty fragment, yet the href still ends in '#'.
  if (!url.username && !url.password && !url.href.includes('#')) return url.href
  const copy = new URL(url.toString())
  copy.hash = ''
  copy.username = ''
  copy.password = ''
  return copy.toString()
}

function shorten(text: string, max = 200): string {
  return text.length > max ? `${text.slice(0, max)}…` : text
}
