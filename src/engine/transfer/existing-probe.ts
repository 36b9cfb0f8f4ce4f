import type { Stats } from 'node:fs'
import { missingRanges } from '../segments/byte-ranges.ts'
import { ARIA2_SUFFIX } from '../storage/aria2-control.ts'
import { fileExists, lookAt } from '../storage/file-exists.ts'
import type { OpenResponse } from './open-response.ts'
import {
  contentCodings,
  header,
  parseContentRange,
  parseUnsatisfiedRangeTotal,
  strongEtag,
} from './response-headers.ts'
import { suggestedName } from './name-claim.ts'
import { judgeFileAt, takeNamed } from './take-existing.ts'
import { pathsOf, type Probe, type TransferState } from './transfer-state.ts'

/*
 * A file already at the name, asked about with the first request itself (probeFor, probeRange,
 * acceptProbe): a Range of its last byte (or, with 'continue', of the rest from its end) tells
 * whether the server's file is that one, without a request of its own.
 */

/**
 * The file at `name` a first request can ask about with a Range of its last byte on: a
 * regular file with bytes and no aria2 control file (aria2 allocates the whole file first, so
 * its size says nothing: the plain request and its `.aria2` decide), not one another download
 * of this engine saves.
 */
export async function probeFor(s: TransferState, name: string): Promise<Probe | null> {
  const path = pathsOf(s, name).final
  if (s.ctx.reservedPaths.has(path)) return null
  let info: Stats | null
  try {
    info = lookAt(path)
  } catch {
    return null // unreadable: the first request asks for the whole file
  }
  if (!info) s.seenFree = { name, at: performance.now() }
  if (!info?.isFile() || info.size === 0) return null
  if (fileExists(path + ARIA2_SUFFIX)) return null
  return { name, size: info.size, lastByte: s.record.ifExists !== 'continue' }
}

/**
 * The Range that asks about a file of `size` bytes at the name: with 'continue' the rest of
 * the file from its end (a 416 for exactly that total: complete; a 206: the continuation
 * itself), else — or after a 416 without the total (lighttpd sends none) — its last byte
 * alone (the total in the answer's Content-Range tells).
 */
export function probeRange({ size, lastByte }: Probe): string {
  return lastByte ? `bytes=${size - 1}-${size - 1}` : `bytes=${size}-`
}

/**
 * The answer to the probe (probeRange): the file is complete when the server's total is its
 * size (and its name the one the answer gives: Content-Disposition may name another file);
 * with 'continue', a 206 from its end continues it — this answer's body is the rest. Any
 * other answer (another total, a compressed range, another name) is of no use: 'again' asks
 * for the whole file as a new download does, which then decides (rename, overwrite, …). A 200
 * never comes here: it is that answer.
 */
export async function acceptProbe(
  s: TransferState,
  response: OpenResponse,
  url: URL,
  probe: Probe,
): Promise<'complete' | 'again' | { at: number; writeFrom: number; bodyEnd: number | null }> {
  const rec = s.record
  const suggested = suggestedName(rec, response, url)
  const continuing = !probe.lastByte
  let total: number | null = null
  let rest: { start: number; end: number } | null = null
  if (response.status === 416) {
    total = continuing
      ? parseUnsatisfiedRangeTotal(header(response.headers, 'content-range'))
      : null
    if (continuing && total === null) {
      // No total given (lighttpd): the answer for its last byte will tell.
      s.probe = { ...probe, lastByte: true }
      return 'again'
    }
    if (total !== probe.size) total = null
  } else {
    const range = parseContentRange(header(response.headers, 'content-range'))
    const expected = continuing ? probe.size : probe.size - 1
    if (range && range.start === expected && range.total !== null) {
      total = range.total
      if (continuing) rest = { start: range.start, end: range.end }
    }
  }
  if (total === null || suggested !== probe.name || contentCodings(response.headers).length > 0)
    return 'again'
  const verdict = await judgeFileAt(s, probe.name, total)
  if (verdict.kind !== 'complete' && verdict.kind !== 'continue') return 'again'
  rec.size = total
  rec.etag = strongEtag(header(response.headers, 'etag'))
  rec.lastModified = header(response.headers, 'last-modified')
  rec.resumable = response.status === 206 ? true : rec.resumable
  rec.finalUrl = url.href
  await s.ctx.ensureDir(rec.dir)
  const taken = await takeNamed(s, probe.name, verdict)
  s.ctx.changed()
  if (taken === 'complete') return 'complete'
  if (taken !== 'again' || !rest || !s.part) return 'again'
  if (missingRanges(s.part.written, total)[0]?.start !== rest.start) return 'again'
  if (rec.state === 'probing') rec.state = 'downloading'
  return { at: rest.start, writeFrom: rest.start, bodyEnd: rest.end }
}
