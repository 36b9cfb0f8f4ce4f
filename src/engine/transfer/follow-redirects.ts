import type { Dispatcher } from 'undici'
import { DownpourError, ERROR_CODES } from '../../shared/protocol/errors.ts'
import { redactUrl } from '../../shared/protocol/url.ts'
import { openResponse, type OpenResponse } from './open-response.ts'
import { header } from './response-headers.ts'
import { classifyNetworkError } from './classify-error.ts'

export const MAX_REDIRECTS = 10
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308])

export type OpenedAt = { response: OpenResponse; url: URL }

/**
 * GET `url`, following up to 10 redirects. Refuses https → http (a download must not silently
 * lose its encryption) and loops. Credentials from the URL's userinfo become a Basic
 * Authorization header that is only sent to the origin they were given for.
 */
export async function openFollowingRedirects(
  dispatcher: Dispatcher,
  options: {
    url: URL
    headers: Record<string, string>
    method?: 'GET' | 'HEAD'
    signal?: AbortSignal
    maxRedirects?: number
    /** See RequestOptions.closeAfter. */
    closeAfter?: boolean
  },
): Promise<OpenedAt> {
  const maxRedirects = options.maxRedirects ?? MAX_REDIRECTS
  const origin = options.url.origin
  const auth = basicAuthHeader(options.url)
  const seen = new Set<string>()
  let url = stripCredentials(options.url)
  for (let hop = 0; ; hop++) {
    seen.add(url.href)
    const headers = { ...options.headers }
    if (url.origin !== origin) {
      // Never forward credentials to a host the user did not give them to.
      delete headers.authorization
      delete headers.cookie
    } else if (auth && !('authorization' in headers)) headers.authorization = auth
    let response: OpenResponse
    try {
      response = await openResponse(dispatcher, {
        url,
        headers,
        method: options.method ?? 'GET',
        signal: options.signal,
        closeAfter: options.closeAfter,
      })
    } catch (error) {
      if (options.signal?.aborted) throw error
      throw classifyNetworkError(error)
    }
    const location = header(response.headers, 'location')
    if (!REDIRECT_STATUSES.has(response.status) || !location) return { response, url }
    response.discard()
    let next: URL
    try {
      next = new URL(location, url)
    } catch {
      throw new DownpourError(
        ERROR_CODES.badResponse,
        `redirect to an invalid location: ${location.slice(0, 200)}`,
      )
    }
    if (url.protocol === 'https:' && next.protocol === 'http:') {
      throw new DownpourError(
        ERROR_CODES.insecureRedirect,
        `refused redirect from https to http (${redactUrl(url)} → ${redactUrl(next)})`,
      )
    }
    if (next.protocol !== 'http:' && next.protocol !== 'https:') {
      throw new DownpourError(
        ERROR_CODES.unsupportedScheme,
        `refused redirect to ${next.protocol} URL`,
      )
    }
    if (seen.has(next.href)) {
      throw new DownpourError(ERROR_CODES.redirectLoop, `redirect loop at ${redactUrl(next)}`)
    }
    if (hop + 1 > maxRedirects) {
      throw new DownpourError(
        ERROR_CODES.tooManyRedirects,
        `more than ${maxRedirects} redirects (last: ${redactUrl(next)})`,
      )
    }
    url = stripCredentials(next)
  }
}

function basicAuthHeader(url: URL): string | null {
  if (!url.username && !url.password) return null
  const user = decodeURIComponent(url.username)
  const pass = decodeURIComponent(url.password)
  return `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`
}

function stripCredentials(url: URL): URL {
  if (!url.username && !url.password) return url
  const copy = new URL(url.href)
  copy.username = ''
  copy.password = ''
  return copy
}
