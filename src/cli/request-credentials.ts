import { readFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { cookieHeaderFor, parseCookiesTxt, type Cookie } from './cookies-txt.ts'
import { netrcFor, parseNetrc, type NetrcEntry } from './netrc.ts'

/** The flags that add credentials, cookies and a referer to each request. */
export type CredentialFlags = {
  httpUser?: string
  httpPasswd?: string
  /** False with `--no-netrc`. */
  netrc?: boolean
  netrcPath?: string
  loadCookies?: string
  referer?: string
}

/**
 * The headers each URL's request gets from the credential flags: Authorization (Basic) from
 * `--http-user/--http-passwd`, else from the `.netrc` entry of its host (unless the URL carries
 * its own user); Cookie from `--load-cookies`; Referer. They travel as the download's own
 * headers, which are never logged nor sent to clients, and which a redirect to another origin
 * drops (Authorization, Cookie: follow-redirects.ts). Returns the reason a file named by a flag
 * cannot be used.
 */
export async function loadCredentials(
  flags: CredentialFlags,
): Promise<{ headersFor: (url: URL) => Record<string, string> } | { problem: string }> {
  if ((flags.httpUser === undefined) !== (flags.httpPasswd === undefined))
    return { problem: '--http-user and --http-passwd go together' }
  let netrc: NetrcEntry[] = []
  if (flags.netrc !== false) {
    const path = flags.netrcPath ?? join(homedir(), '.netrc')
    const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => error)
    if (typeof text === 'string') netrc = parseNetrc(text)
    else if (flags.netrcPath !== undefined || text.code !== 'ENOENT')
      return { problem: `cannot read the netrc file ${path}: ${text.message}` }
  }
  let cookies: Cookie[] = []
  if (flags.loadCookies !== undefined) {
    const text = await readFile(flags.loadCookies, 'utf8').catch((error: Error) => error)
    if (typeof text !== 'string')
      return { problem: `cannot read the cookies file ${flags.loadCookies}: ${text.message}` }
    const parsed = parseCookiesTxt(text)
    if (parsed.problems.length)
      return { problem: `${flags.loadCookies}: ${parsed.problems[0]} (a Netscape cookies.txt)` }
    cookies = parsed.cookies
  }
  const basic = (user: string, password: string) =>
    `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`
  const now = Math.floor(Date.now() / 1000)
  return {
    headersFor: (url) => {
      const headers: Record<string, string> = {}
      if (!url.username && !url.password) {
        if (flags.httpUser !== undefined)
          headers.authorization = basic(flags.httpUser, flags.httpPasswd!)
        else {
          const entry = netrcFor(netrc, url.hostname)
          if (entry) headers.authorization = basic(entry.login, entry.password)
        }
      }
      const cookie = cookieHeaderFor(cookies, url, now)
      if (cookie) headers.cookie = cookie
      if (flags.referer !== undefined) headers.referer = flags.referer
      return headers
    },
  }
}
