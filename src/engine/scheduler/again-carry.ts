import { DownpourError, ERROR_CODES } from '../../shared/protocol/errors.ts'
import { FINISHED_STATES } from '../../shared/protocol/model.ts'
import { normalizeUrlKey } from '../../shared/protocol/url.ts'
import type { DownloadRecord } from '../model/download-record.ts'
import type { PreparedRequest } from './build-record.ts'

/**
 * "Download again" of a download in the list (`againOf`): the new download carries
 * what the earlier one was added with and no snapshot holds — its request headers (cookies,
 * referer, user agent), the password of its URL, which the engine never sends out, and its
 * mirrors — so the server is asked exactly as it was the first time. Headers the request names itself win.
 * Refused (naming why) unless `againOf` is a finished download of the same URL.
 */
export function carryFromEarlier(
  prepared: PreparedRequest,
  recordOf: (id: string) => DownloadRecord | undefined,
): PreparedRequest {
  const { request } = prepared
  if (request.againOf === undefined) return prepared
  const earlier = recordOf(request.againOf)
  const refuse = (why: string) => {
    throw new DownpourError(ERROR_CODES.invalidArgument, `againOf ${request.againOf}: ${why}`)
  }
  if (request.onDuplicate !== 'again') refuse("it needs onDuplicate: 'again'")
  if (!earlier) refuse('no such download in the queue (removed?)')
  if (!FINISHED_STATES.has(earlier!.state))
    refuse(`that download is ${earlier!.state}, not finished: resume it instead`)
  const earlierUrl = new URL(earlier!.url)
  if (normalizeUrlKey(earlierUrl) !== prepared.key.urlKey) refuse('that download has another URL')
  const headers =
    Object.keys(earlier!.headers).length > 0
      ? { ...earlier!.headers, ...request.headers }
      : request.headers
  // The snapshot's URL shows the password as "***": the earlier one's own is what was sent.
  const url =
    prepared.url.username === earlierUrl.username &&
    (prepared.url.password === '' || prepared.url.password === '***')
      ? earlierUrl
      : prepared.url
  // Its mirrors too (checked when it was added), unless the request names its own.
  const mirrors =
    request.mirrors === undefined && prepared.mirrors.length === 0
      ? [...earlier!.mirrors]
      : prepared.mirrors
  return {
    ...prepared,
    url,
    mirrors,
    request: { ...request, ...(headers ? { headers } : {}), url: url.href },
  }
}
