/** Response headers as undici hands them over (lower-case names). */
export type IncomingHttpHeaders = Record<string, string | string[] | undefined>

/** Helpers to read the response headers a download cares about. Pure; unit-tested. */

export function header(headers: IncomingHttpHeaders, name: string): string | null {
  const value = headers[name]
  if (value === undefined) return null
  return Array.isArray(value) ? (value[0] ?? null) : value
}

export type ContentRange = { start: number; end: number; total: number | null }

/** `bytes 0-99/1000` → {start 0, end 100 (exclusive), total 1000}; the unsatisfied form → null. */
export function parseContentRange(value: string | null): ContentRange | null {
  if (!value) return null
  const match = /^\s*bytes\s+(\d+)-(\d+)\/(\d+|\*)\s*$/i.exec(value)
  if (!match) return null
  const start = Number(match[1])
  const end = Number(match[2]) + 1
  const total = match[3] === '*' ? null : Number(match[3])
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || end <= start) return null
  if (total !== null && (!Number.isSafeInteger(total) || end > total)) return null
  return { start, end, total }
}

/** The total of a 416 answer (`bytes STAR/TOTAL`). */
export function parseUnsatisfiedRangeTotal(value: string | null): number | null {
  const match = value ? /^\s*bytes\s+\*\/(\d+)\s*$/i.exec(value) : null
  return match ? Number(match[1]) : null
}

export function parseContentLength(value: string | null): number | null {
  if (value === null || !/^\d+$/.test(value.trim())) return null
  const n = Number(value)
  return Number.isSafeInteger(n) ? n : null
}

/** Retry-After as delay-seconds or an HTTP date → ms from `now`; null when absent or invalid. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | null {
  if (!value) return null
  const trimmed = value.trim()
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000
  // Only HTTP-date shapes (IMF-fixdate, RFC 850, asctime) go to Date.parse, which accepts junk.
  if (!/^[A-Za-z]{3,9},? .*\d{1,2}:\d{2}:\d{2}/.test(trimmed)) return null
  const date = Date.parse(trimmed)
  return Number.isNaN(date) ? null : Math.max(0, date - now)
}

/** A strong ETag (not `W/…`) may validate a Range resume; weak ones may not (RFC 9110 §13.1.5). */
export function strongEtag(value: string | null): string | null {
  if (!value || /^W\//.test(value.trim())) return null
  return value.trim()
}

/**
 * The codings of a `Content-Encoding` other than identity (lower-case, in order): empty when
 * the body is the file's own bytes. `gzip`, `identity, gzip` or `br` → compressed.
 */
export function contentCodings(headers: IncomingHttpHeaders): string[] {
  const value = header(headers, 'content-encoding')
  if (value === null) return []
  return value
    .split(',')
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== '' && coding !== 'identity')
}
