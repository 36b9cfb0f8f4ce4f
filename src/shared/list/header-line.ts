/**
 * Headers a person may not set: hop-by-hop headers (RFC 9110 §7.6.1) describe one connection, not
 * the request, and the framing and range headers are the engine's own (a user `Range` would break
 * segmented downloads, a `Content-Length` or `Transfer-Encoding` would corrupt the request).
 */
const REFUSED = new Map<string, string>([
  ['connection', 'a hop-by-hop header'],
  ['keep-alive', 'a hop-by-hop header'],
  ['proxy-connection', 'a hop-by-hop header'],
  ['transfer-encoding', 'a hop-by-hop header'],
  ['te', 'a hop-by-hop header'],
  ['trailer', 'a hop-by-hop header'],
  ['upgrade', 'a hop-by-hop header'],
  ['content-length', 'set by the HTTP client'],
  ['expect', 'set by the HTTP client'],
  ['range', 'set by Downpour for each connection'],
  ['if-range', 'set by Downpour for each connection'],
  // Names a plain object cannot hold as its own key (see UNKEEPABLE_HEADER_NAMES).
  ['__proto__', 'a name Downpour cannot keep'],
  ['constructor', 'a name Downpour cannot keep'],
  ['prototype', 'a name Downpour cannot keep'],
])

export type HeaderLine = { ok: true; name: string; value: string } | { ok: false; problem: string }

/**
 * `Name: value` as a person writes it on the command line or in a list. The name must be an
 * RFC 9110 token; the value may hold no control character but tab (a CR or LF would inject a
 * header, anything else is refused by servers or shown raw in logs).
 */
export function parseHeaderLine(text: string): HeaderLine {
  const match = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*:\s*(.*?)\s*$/s.exec(text)
  if (!match) return { ok: false, problem: 'must be "Name: value"' }
  const name = match[1]!
  const value = match[2]!
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  if (/[\u0000-\u0008\u000a-\u001f\u007f]/.test(value))
    return { ok: false, problem: `the value of ${name} holds a control character` }
  // Header values are bytes: undici refuses anything past U+00FF when the request is made, so
  // the download would only fail later, with "invalid header".
  const wide = /[^\t\u0020-\u00ff]/u.exec(value)?.[0]
  if (wide !== undefined)
    return {
      ok: false,
      problem: `the value of ${name} holds ${codePoint(wide)}, which a header cannot carry (only Latin-1 text; percent-encode the rest)`,
    }
  const refused = REFUSED.get(name.toLowerCase())
  if (refused) return { ok: false, problem: `${name} cannot be set: it is ${refused}` }
  return { ok: true, name, value }
}

function codePoint(char: string): string {
  return `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`
}
