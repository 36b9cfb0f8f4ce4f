import type { Dispatcher } from 'undici'
import type { ByteRange } from '../segments/byte-ranges.ts'
import { redactUrl } from '../../shared/protocol/url.ts'
import { openFollowingRedirects } from './follow-redirects.ts'
import type { OpenResponse } from './open-response.ts'
import { errorForStatus } from './classify-error.ts'
import { contentCodings, header, parseContentRange } from './response-headers.ts'
import { sameVersion } from './same-version.ts'
import { judgeMirrorAnswer } from './mirror-answer.ts'

export type RangeRequest = {
  /** The download's URL as added (userinfo included: it becomes Basic auth, origin-bound). */
  url: string
  /**
   * Where the first connection's redirects ended (no userinfo), when that is elsewhere: extra
   * connections go straight there instead of following the chain again.
   */
  finalUrl?: string
  headers: Record<string, string>
  range: ByteRange
  /** Strong ETag or Last-Modified of the bytes we already have. */
  validator: string | null
  size: number
  /**
   * Set when `url` is one of the download's mirrors: no If-Range is sent, and the answer is
   * judged as a mirror's (`judgeMirrorAnswer`) against the first URL's strong ETag.
   */
  mirror?: { etag: string | null }
}

/**
 * What an extra connection's request got: the response to read, or why not. 'no-ranges': the
 * server does not serve this range (it ignored it, or answered another one); 'changed': the
 * file on the server is not the version we hold (a 200 to If-Range with other validators, or a
 * 206 of another version from a server that ignores If-Range); 'encoded': the server compressed
 * its range answer (Content-Encoding), so those bytes are not the file's at that offset.
 */
export type RangeOutcome = OpenResponse | 'no-ranges' | 'changed' | 'encoded'

/** Statuses at the final URL after which the original URL is asked once (an expired link). */
const FALLBACK_STATUSES = new Set([401, 403, 404, 410])

/**
 * Opens one extra connection's range: `Range` + `If-Range`, and only a 206 with exactly that
 * range of the same version of the same-size file, uncompressed, is accepted. Anything else 2xx is dropped
 * without reading a file's worth of body; error statuses throw. Runs on the scheduler thread
 * and in transfer workers.
 */
export async function openRange(
  dispatcher: Dispatcher,
  request: RangeRequest,
  signal: AbortSignal,
  /** See RequestOptions.closeAfter. */
  closeAfter = false,
): Promise<RangeOutcome> {
  const headers: Record<string, string> = {
    ...request.headers,
    range: `bytes=${request.range.start}-${request.range.end - 1}`,
  }
  if (request.validator && !request.mirror) headers['if-range'] = request.validator
  const original = new URL(request.url)
  let response: OpenResponse
  if (request.finalUrl) {
    ;({ response } = await openFollowingRedirects(dispatcher, {
      ...direct(original, new URL(request.finalUrl), headers),
      signal,
      closeAfter,
    }))
    if (FALLBACK_STATUSES.has(response.status)) {
      // A signed or expiring link may have lapsed there: the original URL may lead on anew.
      response.discard()
      ;({ response } = await openFollowingRedirects(dispatcher, {
        url: original,
        headers,
        signal,
        closeAfter,
      }))
    }
  } else {
    ;({ response } = await openFollowingRedirects(dispatcher, {
      url: original,
      headers,
      signal,
      closeAfter,
    }))
  }
  if (request.mirror) return judgeMirrorAnswer(response, request)
  const { status } = response
  if (status === 200 || status === 206) {
    if (!sameVersion(request.validator, response.headers)) {
      response.abort(new Error('another version of the file'))
      return 'changed'
    }
    const got = status === 206 ? parseContentRange(header(response.headers, 'content-range')) : null
    if (got?.total != null && got.total !== request.size) {
      response.abort(new Error('another version of the file'))
      return 'changed'
    }
    if (status === 206 && contentCodings(response.headers).length > 0) {
      response.abort(new Error('a compressed range'))
      return 'encoded'
    }
    if (got && got.start === request.range.start && got.end >= request.range.end) return response
  }
  if (status >= 200 && status < 300) {
    response.abort(new Error('unwanted response'))
    return 'no-ranges'
  }
  response.discard()
  throw errorForStatus(status, response.headers, redactUrl(request.url))
}

/**
 * The request for the final URL itself: the original's credentials go along only when it is on
 * the same origin, and Authorization/Cookie headers are dropped for another origin, exactly as
 * following the chain would have done.
 */
function direct(
  original: URL,
  final: URL,
  headers: Record<string, string>,
): { url: URL; headers: Record<string, string> } {
  if (final.origin === original.origin) {
    const url = new URL(final.href)
    url.username = original.username
    url.password = original.password
    return { url, headers }
  }
  const { authorization: _a, cookie: _c, ...rest } = headers
  return { url: final, headers: rest }
}
