import { DownpourError, ERROR_CODES } from '../../shared/protocol/errors.ts'
import { missingRanges, subtractRange, totalBytes } from '../segments/byte-ranges.ts'
import type { OpenResponse } from './open-response.ts'
import { buildRequestHeaders } from './request-headers.ts'
import { validatorOf } from './same-version.ts'
import { SegmentedFetch } from './segmented-fetch.ts'
import { streamOnThisConnection, throwIfMissing } from './single-connection.ts'
import type { TransferState } from './transfer-state.ts'

/** Known size: every missing byte, over as many connections as help (see SegmentedFetch). */
export async function fetchSegments(
  s: TransferState,
  response: OpenResponse,
  offset: number,
  size: number,
  bodyEnd: number | null,
): Promise<void> {
  const rec = s.record
  const part = s.part!
  const missing = missingRanges(part.written, size)
  const firstEnd = missing.find((g) => g.start <= offset && g.end > offset)?.end ?? size
  const firstRange = { start: offset, end: firstEnd }
  const settings = s.ctx.settings
  const host = (s.url ??= new URL(rec.url))
  // A server that did not say whether it does ranges is tried (curl and aria2 do the same):
  // an extra connection's answer tells.
  const segmentable =
    rec.resumable !== false &&
    !s.rangesBroken &&
    !s.oneConnection &&
    totalBytes(missing) >= 2 * settings().minSplitSize
  if (!segmentable && missing.length === 1) {
    // Too little to split, one range missing (every small file): read it right here. The
    // segment machinery would cost more than such a file's bytes do.
    await streamOnThisConnection(s, response, offset, firstEnd)
    throwIfMissing(part, size)
    return
  }
  // Give the file its full length up front (sparse: Node has no fallocate), so writes at any
  // offset land inside it and a short disk shows up as an error now rather than at the end.
  if (segmentable && offset === 0 && missing.length === 1) await part.truncate(size)
  const fetch = new SegmentedFetch({
    part,
    gaps: subtractRange(missing, firstRange),
    first: { response, range: firstRange, bodyEnd: bodyEnd ?? firstEnd },
    // Too little left to split: stay on one connection (no worker thread, no ramp-up).
    segmentable,
    // The first connection's source leads (the URL, or a mirror it fell back to); the others
    // are its mirrors.
    request: {
      url: host.href === new URL(rec.url).href ? rec.url : host.href,
      ...(s.finalUrl && s.finalUrl.href !== host.href ? { finalUrl: s.finalUrl.href } : {}),
      headers: buildRequestHeaders(s.ctx.settings(), rec.headers),
      validator: validatorOf(rec),
      size,
    },
    mirrors: otherSources(rec.url, rec.mirrors, host.href),
    droppedMirrors: s.droppedMirrors,
    etag: rec.etag,
    onRanges: (served) => {
      // A 206 proves ranges whatever Accept-Ranges said; ignoring one disproves an unknown.
      if (!served) s.rangesIgnored = true
      const resumable = served ? true : rec.resumable === null ? false : rec.resumable
      if (resumable === rec.resumable) return
      rec.resumable = resumable
      s.ctx.changed()
    },
    onRangesBroken: () => (s.rangesBroken = true),
    maxConnections: () => rec.maxConnections ?? settings().maxConnectionsPerDownload,
    minSplit: () => settings().minSplitSize,
    shared: s.ctx.shared,
    downloadSlot: s.ctx.downloadSlot,
    dispatcher: () => s.ctx.dispatcher(),
    acquireSlot: (on) => s.ctx.acquireSlot(on ?? host.host),
    releaseSlot: (on) => s.ctx.releaseSlot(on ?? host.host),
    overShare: () => s.ctx.slotsOverShare(host.host),
    hostShared: () => s.ctx.hostShared(host.host),
    signal: s.signal,
    timeoutMs: settings().timeoutMs,
    lowestSpeed: settings().lowestSpeedLimit,
    throttle: s.throttle,
    limits: () => ({ download: rec.speedLimit, overall: settings().maxOverallDownloadLimit }),
    log: (message) => s.ctx.log('info', message),
    isBackoffSignal: (error) =>
      error instanceof DownpourError &&
      error.code === ERROR_CODES.httpRetryable &&
      /\b(429|503)\b/.test(error.message),
  })
  s.fetch = fetch
  try {
    await fetch.run()
  } finally {
    s.fetch = null
    // Bytes the worker threads wrote count as written here too (for the next resume range).
    if (s.ctx.shared.pool) part.markWritten(await s.ctx.shared.pool.flush(part.path, false))
  }
  throwIfMissing(part, size)
}

/** The URL and the mirrors but `lead` (the source the first connection asked). */
function otherSources(url: string, mirrors: readonly string[] | undefined, lead: string): string[] {
  if (!mirrors?.length) return []
  return [url, ...mirrors].filter((u) => new URL(u).href !== lead)
}
