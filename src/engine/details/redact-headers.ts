/** Header names whose values are secrets whatever their content. */
const SECRET_HEADERS: ReadonlySet<string> = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
])

/** Custom headers named like credentials (`X-Api-Key`, `X-Auth-Token`, `X-Session-Id`…). */
const SECRET_NAME = /(auth|token|secret|passw|api-?key|session|signature|credential)/i

export const REDACTED = '[redacted]'

/**
 * The headers as the details panel may show them: every secret's value replaced, names kept
 * (the user sees that a Cookie is sent, never which). `userinfo`: the URL carries credentials,
 * so an Authorization header is sent even though none was given.
 */
export function redactHeaders(
  headers: Record<string, string>,
  userinfo = false,
): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase()
    out[lower] = SECRET_HEADERS.has(lower) || SECRET_NAME.test(lower) ? REDACTED : value
  }
  if (userinfo && !('authorization' in out)) out.authorization = REDACTED
  return out
}
