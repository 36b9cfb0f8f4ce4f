import { header, strongEtag, type IncomingHttpHeaders } from './response-headers.ts'

/**
 * The validator that stands for the bytes we hold: a strong ETag, else Last-Modified, else
 * none. It is what `If-Range` carries, and what every response is compared with.
 */
export function validatorOf(held: {
  etag: string | null
  lastModified: string | null
}): string | null {
  return held.etag ?? held.lastModified
}

/**
 * Whether a response (200 or 206, on any connection) is of the version whose bytes we hold.
 * One rule for the first connection and the extra ones, because a server that honours Range but
 * ignores If-Range (common behind CDNs and proxies) answers 206 for a changed file too:
 * - we hold a strong ETag → the response must carry the same strong ETag (RFC 9110 §8.8.3.2);
 * - else we hold a Last-Modified → the response's must be the same instant;
 * - else nothing tells (the caller still compares sizes).
 */
export function sameVersion(validator: string | null, headers: IncomingHttpHeaders): boolean {
  if (validator === null) return true
  if (validator.startsWith('"')) return strongEtag(header(headers, 'etag')) === validator
  const lastModified = header(headers, 'last-modified')
  if (lastModified === null) return false
  if (lastModified === validator) return true
  const [a, b] = [Date.parse(lastModified), Date.parse(validator)]
  return !Number.isNaN(a) && a === b
}
