/** Pure helpers for the HTTP semantics the fault server implements (RFC 9110). */
import { createHash } from 'node:crypto'
import type { RequestedRange } from './types.ts'

/** Default Last-Modified of a route: a fixed date, one minute later per `replace()`. */
export function defaultLastModified(version: number): string {
  return new Date(Date.UTC(2025, 0, 1) + version * 60_000).toUTCString()
}

/** A strong ETag derived from the bytes: `"<first 16 hex digits of sha1>"`. */
export function strongEtag(body: Buffer): string {
  return `"${createHash('sha1').update(body).digest('hex').slice(0, 16)}"`
}

/**
 * Parses a single-range `Range` header. Returns undefined for anything else (other unit,
 * several ranges, bad syntax, first > last): the server then ignores the header (§14.2).
 */
export function parseRange(header: string | undefined): RequestedRange | undefined {
  if (header === undefined) return undefined
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header)
  if (!m) return undefined
  const [, first = '', last = ''] = m
  if (first === '' && last === '') return undefined
  if (first === '') return { start: -Number(last) }
  const start = Number(first)
  if (last === '') return { start }
  const end = Number(last)
  if (end < start) return undefined
  return { start, end }
}

/** Resolves a requested range against the representation size. */
export function resolveRange(
  range: RequestedRange,
  size: number,
): { start: number; end: number } | 'unsatisfiable' {
  if (range.start < 0 || Object.is(range.start, -0)) {
    // Suffix range: the last N bytes; `bytes=-0` and an empty representation are unsatisfiable.
    const n = Math.min(-range.start, size)
    if (n === 0) return 'unsatisfiable'
    return { start: size - n, end: size - 1 }
  }
  if (range.start >= size) return 'unsatisfiable'
  return { start: range.start, end: Math.min(range.end ?? size - 1, size - 1) }
}

/**
 * RFC 9110 §13.1.5: an entity-tag validator matches only by strong comparison with the current
 * strong ETag; a date validator only if it equals Last-Modified.
 */
export function ifRangeMatches(
  ifRange: string,
  etag: string | undefined,
  lastModified: string | undefined,
): boolean {
  const value = ifRange.trim()
  if (value.startsWith('"') || value.startsWith('W/')) {
    return etag !== undefined && !etag.startsWith('W/') && value === etag
  }
  if (lastModified === undefined) return false
  const date = Date.parse(value)
  return !Number.isNaN(date) && date === Date.parse(lastModified)
}

/** Whether the Accept-Encoding field allows gzip (RFC 9110 §12.5.3). */
export function acceptsGzip(header: string | undefined): boolean {
  if (header === undefined) return true // no field: any content coding is acceptable
  const q = new Map<string, number>()
  for (const part of header.split(',')) {
    const [token = '', ...params] = part.split(';')
    const name = token.trim().toLowerCase()
    if (name === '') continue
    let weight = 1
    for (const param of params) {
      const m = /^\s*q\s*=\s*([0-9.]+)\s*$/i.exec(param)
      if (m) weight = Number(m[1])
    }
    q.set(name, weight)
  }
  const weight = q.get('gzip') ?? q.get('x-gzip') ?? q.get('*')
  return weight !== undefined && weight > 0
}

/** Node writes header strings as latin1: pre-encode so the wire carries the UTF-8 bytes. */
export function wireHeaderValue(value: string | Buffer): string {
  return (typeof value === 'string' ? Buffer.from(value, 'utf8') : value).toString('latin1')
}
