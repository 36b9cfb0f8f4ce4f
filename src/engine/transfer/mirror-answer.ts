import { formatBytes } from '../../shared/format.ts'
import { DownpourError, ERROR_CODES } from '../../shared/protocol/errors.ts'
import { redactUrl } from '../../shared/protocol/url.ts'
import { errorForStatus } from './classify-error.ts'
import type { ByteRange } from '../segments/byte-ranges.ts'
import type { OpenResponse } from './open-response.ts'
import { contentCodings, header, parseContentRange, strongEtag } from './response-headers.ts'

/**
 * What of a range request the judging reads (a `RangeRequest` of open-range.ts is one): written
 * here, so that open-range.ts, which calls the judge, is the only one of the two importing the
 * other.
 */
export type MirrorAsked = {
  readonly url: string
  readonly range: ByteRange
  readonly size: number
  readonly mirror?: { readonly etag: string | null }
}

/**
 * A mirror's answer to a range request, judged before one byte of its body is read: it is
 * used only as a 206 of exactly the asked range, uncompressed, whose Content-Range total is the
 * download's size and whose strong ETag, when both it and the download's first URL give one,
 * is the same. Last-Modified is never compared (a mirror's copy is newer by definition), and
 * no If-Range is sent to a mirror: a validator of another server would get a whole-file 200
 * from a mirror that serves the same bytes. Anything else throws a DownpourError saying why
 * (`DP_ERR_DIFFERENT_FILE` for another file: the mirror is dropped at once); an error status
 * throws as for the first URL.
 */
export function judgeMirrorAnswer(response: OpenResponse, request: MirrorAsked): OpenResponse {
  const { status } = response
  const where = redactUrl(request.url)
  const refuse = (code: string, why: string, retryable = false): never => {
    response.abort(new Error('mirror answer refused'))
    throw new DownpourError(code as typeof ERROR_CODES.differentFile, `${where} ${why}`, {
      retryable,
    })
  }
  if (status === 200) refuse(ERROR_CODES.notResumable, 'does not serve parts of the file (200)')
  if (status !== 206) {
    if (status >= 200 && status < 300) refuse(ERROR_CODES.badResponse, `answered ${status}`)
    response.discard()
    throw errorForStatus(status, response.headers, where)
  }
  const got = parseContentRange(header(response.headers, 'content-range'))
  if (got?.total == null)
    refuse(ERROR_CODES.differentFile, 'does not say how big its file is (Content-Range)')
  if (got!.total !== request.size)
    refuse(
      ERROR_CODES.differentFile,
      `serves ${formatBytes(got!.total!)} (${got!.total} bytes), the download is ${formatBytes(request.size)} (${request.size} bytes): not the same file`,
    )
  const etag = strongEtag(header(response.headers, 'etag'))
  const expected = request.mirror?.etag ?? null
  if (etag !== null && expected !== null && etag !== expected)
    refuse(
      ERROR_CODES.differentFile,
      `has ETag ${etag}, the download's is ${expected}: not the same file`,
    )
  if (contentCodings(response.headers).length > 0)
    refuse(ERROR_CODES.badResponse, 'compressed its range answer (Content-Encoding)')
  if (got!.start !== request.range.start || got!.end < request.range.end)
    refuse(ERROR_CODES.badResponse, 'answered another range than asked', true)
  return response
}
