import type { Dispatcher } from 'undici'
import { formatBytes, formatCount } from '../../shared/format.ts'
import { DownpourError, ERROR_CODES } from '../../shared/protocol/errors.ts'
import { redactUrl } from '../../shared/protocol/url.ts'
import { openFollowingRedirects } from '../transfer/follow-redirects.ts'
import { errorForStatus } from '../transfer/classify-error.ts'
import {
  header,
  parseContentLength,
  parseContentRange,
  strongEtag,
} from '../transfer/response-headers.ts'

/** What a replacement URL says about its file. */
export type UrlProbe = {
  size: number | null
  etag: string | null
  lastModified: string | null
  /** Where the redirects ended. */
  finalUrl: URL
  /** True: serves ranges; false: said it does not; null: did not say. */
  ranges: boolean | null
  method: 'HEAD' | 'GET'
}

/**
 * Asks `url` what it serves without fetching a byte the download already has: a HEAD first;
 * where HEAD is refused (a presigned link is often signed for GET only), says no size, or
 * leaves open whether ranges work while `needRanges` (bytes are held), a GET for the one byte
 * at `probeByte` — the first byte the download still lacks — whose body is dropped. Throws the
 * server's error (status, network) when neither answers.
 */
export async function probeUrl(
  dispatcher: Dispatcher,
  url: URL,
  headers: Record<string, string>,
  probe: { byte: number; needRanges: boolean },
  signal?: AbortSignal,
): Promise<UrlProbe> {
  const probeByte = probe.byte
  const head = await openFollowingRedirects(dispatcher, { url, headers, method: 'HEAD', signal })
  const h = head.response
  h.discard()
  const headSize = parseContentLength(header(h.headers, 'content-length'))
  const acceptRanges = header(h.headers, 'accept-ranges')
  const headRanges = acceptRanges === null ? null : /\bbytes\b/i.test(acceptRanges)
  if (
    h.status >= 200 &&
    h.status < 300 &&
    headSize !== null &&
    (headRanges !== null || !probe.needRanges)
  ) {
    return {
      size: headSize,
      ...validators(h.headers),
      finalUrl: head.url,
      ranges: headRanges,
      method: 'HEAD',
    }
  }
  const get = await openFollowingRedirects(dispatcher, {
    url,
    headers: { ...headers, range: `bytes=${probeByte}-${probeByte}` },
    signal,
  })
  const g = get.response
  if (g.status === 206) {
    g.discard()
    const range = parseContentRange(header(g.headers, 'content-range'))
    return {
      size: range?.total ?? null,
      ...validators(g.headers),
      finalUrl: get.url,
      ranges: range !== null,
      method: 'GET',
    }
  }
  if (g.status === 200) {
    // The whole file is on its way: stop it now.
    g.abort(new Error('probe answered'))
    return {
      size: parseContentLength(header(g.headers, 'content-length')),
      ...validators(g.headers),
      finalUrl: get.url,
      ranges: false,
      method: 'GET',
    }
  }
  g.discard()
  throw errorForStatus(g.status, g.headers, redactUrl(get.url))
}

function validators(headers: Record<string, string | string[] | undefined>): {
  etag: string | null
  lastModified: string | null
} {
  return {
    etag: strongEtag(header(headers, 'etag')),
    lastModified: header(headers, 'last-modified'),
  }
}

/**
 * A size as the window shows it ("1.4 MiB"); with its exact bytes too when `other` would read
 * the same, so "1.4 MiB (1,500,001 bytes)" and "1.4 MiB (1,500,000 bytes)" still differ.
 */
function size(bytes: number, other?: number): string {
  const shown = formatBytes(bytes)
  return other !== undefined && other !== bytes && formatBytes(other) === shown
    ? `${shown} (${formatCount(bytes)} bytes)`
    : shown
}

/** What the download has that the replacement must match. */
export type HeldFile = { size: number | null; etag: string | null; held: number }

/**
 * Whether the probed URL serves the held file; throws a DownpourError naming why not. Same
 * size is required (unknown on our side only when nothing is held); a strong ETag only where
 * both have one, because mirrors and CDNs compute them differently for the same bytes, and
 * Last-Modified never (a mirror's copy is newer by definition).
 */
export function assertSameFile(held: HeldFile, probe: UrlProbe): void {
  if (held.size !== null) {
    if (probe.size === null) {
      throw new DownpourError(
        ERROR_CODES.differentFile,
        `the new URL does not say how big its file is, so it cannot be shown to be the same file (${size(held.size)})`,
      )
    }
    if (probe.size !== held.size) {
      throw new DownpourError(
        ERROR_CODES.differentFile,
        `the new URL serves ${size(probe.size, held.size)}, but this download is ${size(held.size, probe.size)}: not the same file`,
      )
    }
  }
  if (held.etag !== null && probe.etag !== null && held.etag !== probe.etag) {
    throw new DownpourError(
      ERROR_CODES.differentFile,
      `the new URL's file has ETag ${probe.etag}, this download's has ${held.etag}: not the same file`,
    )
  }
  if (held.held > 0 && probe.ranges === false) {
    throw new DownpourError(
      ERROR_CODES.notResumable,
      `the new URL does not serve parts of the file, so the ${size(held.held)} already downloaded would be lost`,
    )
  }
}
