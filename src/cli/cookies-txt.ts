/** One cookie of a Netscape cookies.txt file (what curl, wget and aria2 read and write). */
export type Cookie = {
  domain: string
  /** TRUE: also sent to subdomains of `domain`. */
  includeSubdomains: boolean
  path: string
  secure: boolean
  /** Expiry, seconds since 1970; 0 = a session cookie (never expires here). */
  expires: number
  name: string
  value: string
}

/**
 * Parses cookies.txt: one cookie a line, seven TAB-separated fields (domain, subdomains flag,
 * path, secure flag, expiry, name, value); `#` lines are comments except the `#HttpOnly_`
 * prefix curl writes before a domain; blank lines are skipped. A line with another shape is a
 * problem naming its number (a cookie dropped without a word would make a silent 401).
 */
export function parseCookiesTxt(text: string): { cookies: Cookie[]; problems: string[] } {
  const cookies: Cookie[] = []
  const problems: string[] = []
  text.split(/\r?\n/).forEach((raw, index) => {
    let line = raw
    if (line.startsWith('#HttpOnly_')) line = line.slice('#HttpOnly_'.length)
    else if (line.startsWith('#') || line.trim() === '') return
    const fields = line.split('\t')
    if (fields.length !== 7) {
      problems.push(`line ${index + 1}: expected 7 TAB-separated fields, found ${fields.length}`)
      return
    }
    const [domain, sub, path, secure, expires, name, value] = fields as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
    ]
    const flag = (text: string) => text.toUpperCase() === 'TRUE'
    const expiry = Number(expires)
    if (!domain || !Number.isFinite(expiry)) {
      problems.push(`line ${index + 1}: no domain, or an expiry that is not a number`)
      return
    }
    cookies.push({
      domain: domain.toLowerCase(),
      includeSubdomains: flag(sub),
      path: path || '/',
      secure: flag(secure),
      expires: expiry,
      name,
      value,
    })
  })
  return { cookies, problems }
}

/** The `Cookie` header for `url` (RFC 6265's domain, path and secure rules), or null. */
export function cookieHeaderFor(
  cookies: readonly Cookie[],
  url: URL,
  nowSeconds: number,
): string | null {
  const host = url.hostname.toLowerCase()
  const pairs: string[] = []
  for (const c of cookies) {
    const domain = c.domain.replace(/^\./, '')
    const domainOk =
      host === domain ||
      ((c.includeSubdomains || c.domain.startsWith('.')) && host.endsWith(`.${domain}`))
    if (!domainOk) continue
    const path = url.pathname || '/'
    const pathOk =
      path === c.path ||
      (path.startsWith(c.path) && (c.path.endsWith('/') || path[c.path.length] === '/'))
    if (!pathOk) continue
    if (c.secure && url.protocol !== 'https:') continue
    if (c.expires !== 0 && c.expires <= nowSeconds) continue
    pairs.push(`${c.name}=${c.value}`)
  }
  return pairs.length ? pairs.join('; ') : null
}
