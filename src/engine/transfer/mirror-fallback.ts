// Job: which source the first connection of a download asks next when the one it asked failed
// (the URL or a mirror), and whether a mirror's answer there is the same file. A segmented
// download spreads over its mirrors itself (connection-sources.ts); this is for the first
// connection, which is all a small file or a server without ranges ever has.
import type { IncomingHttpHeaders } from './response-headers.ts'
import { formatBytes } from '../../shared/format.ts'
import { DownpourError, ERROR_CODES } from '../../shared/protocol/errors.ts'
import { redactUrl } from '../../shared/protocol/url.ts'
import { contentCodings, header, parseContentRange, strongEtag } from './response-headers.ts'

/** What an earlier answer of this run said of the file: a mirror's must agree. */
export type FileSeen = { size: number | null; etag: string | null }

/**
 * The source to ask after `current` failed: the next of the URL and its mirrors, in the
 * record's order and round again, skipping mirrors dropped (another file) and sources that
 * failed for good in this run (`failed`: a 404, a refusal); null when none is left but
 * `current` — then the download's own retry rules apply.
 */
export function nextSource(
  sources: readonly string[],
  current: string,
  dropped: ReadonlyMap<string, string>,
  failed: ReadonlySet<string>,
): string | null {
  const at = sources.indexOf(current)
  for (let step = 1; step < sources.length; step++) {
    const next = sources[(at + step) % sources.length]!
    if (next !== current && !dropped.has(next) && !failed.has(next)) return next
  }
  return null
}

/**
 * A mirror's answer to the first connection, judged before a byte of its body is used: its
 * size (Content-Range's total, or Content-Length of a whole-file 200) and its strong ETag must
 * be what an earlier answer of this run said, where both say it; its body must not be
 * compressed. Throws `DP_ERR_DIFFERENT_FILE` (the mirror is dropped) otherwise.
 */
export function checkMirrorFile(
  status: number,
  headers: IncomingHttpHeaders,
  url: string,
  seen: FileSeen | null,
): void {
  if (status !== 200 && status !== 206) return
  const where = redactUrl(url)
  const different = (why: string): never => {
    throw new DownpourError(ERROR_CODES.differentFile, `${where} ${why}: not the same file`, {
      retryable: false,
    })
  }
  if (contentCodings(headers).length > 0) different('compressed its answer (Content-Encoding)')
  if (!seen) return
  const size =
    status === 206
      ? (parseContentRange(header(headers, 'content-range'))?.total ?? null)
      : Number(header(headers, 'content-length') ?? NaN)
  if (seen.size !== null && size !== null && !Number.isNaN(size) && size !== seen.size)
    different(`serves ${formatBytes(size)} (${size} bytes), the download is ${seen.size} bytes`)
  const etag = strongEtag(header(headers, 'etag'))
  if (etag !== null && seen.etag !== null && etag !== seen.etag)
    different(`has ETag ${etag}, the download's is ${seen.etag}`)
}
