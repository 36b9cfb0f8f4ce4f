import type { Dispatcher } from 'undici'
import type { ByteRange } from '../segments/byte-ranges.ts'
import { redactUrl } from '../../shared/protocol/url.ts'
import { openFollowingRedirects } from './follow-redirects.ts'
import type { OpenResponse } from './open-response.ts'
import { errorForStatus } from './classify-error.ts'
import { header, parseContentRange, strongEtag } from './response-headers.ts'

export type RangeRequest = {
  /** The download's URL as added (userinfo included: it becomes Basic auth, origin-bound). */
  url: string
  headers: Record<string, string>
  range: ByteRange
  /** Strong ETag or Last-Modified of the bytes we already have. */
  validator: string | null
  size: number
}

/**
 * Opens one extra connection's range: `Range` + `If-Range`, and only a 206 with exactly that
 * range of the same-size file is accepted. A 200 (ranges ignored, or the file changed — the next
 * resume's If-Range tells which) is dropped without reading a file's worth of body and reported
 * as 'no-ranges'; error statuses throw. Runs on the scheduler thread and in transfer workers.
 */
/** Whether a 206 is of the version we hold (for servers or proxies that ignore If-Range). */
function sameVersion(response: OpenResponse, validator: string | null): boolean {
  if (!validator) return true
  if (validator.startsWith('"')) return strongEtag(header(response.headers, 'etag')) === validator
  return header(response.headers, 'last-modified') === validator
}

export async function openRange(
  dispatcher: Dispatcher,
  request: RangeRequest,
  signal: AbortSignal,
): Promise<OpenResponse | 'no-ranges'> {
  const headers: Record<string, string> = {
    ...request.headers,
    range: `bytes=${request.range.start}-${request.range.end - 1}`,
  }
  if (request.validator) headers['if-range'] = request.validator
  const { response } = await openFollowingRedirects(dispatcher, {
    url: new URL(request.url),
    headers,
    signal,
  })
  if (response.status === 206) {
    const got = parseContentRange(header(response.headers, 'content-range'))
    const exact =
      got !== null &&
      got.start === request.range.start &&
      got.end >= request.range.end &&
      got.total === request.size
    if (exact && sameVersion(response, request.validator)) return response
  }
  if (response.status >= 200 && response.status < 300) {
    response.abort(new Error('unwanted response'))
    return 'no-ranges'
  }
  response.discard()
  throw errorForStatus(response.status, response.headers, redactUrl(request.url))
}
