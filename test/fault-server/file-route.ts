/** Serving a file route: validators, ranges, If-Range, gzip, faults. */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { gzipSync } from 'node:zlib'
import {
  acceptsGzip,
  defaultLastModified,
  ifRangeMatches,
  resolveRange,
  strongEtag,
  wireHeaderValue,
} from './http-semantics.ts'
import { pause, streamBody } from './stream.ts'
import type { Fault, FileOptions, RecordedRequest, RequestedRange } from './types.ts'

const DEFAULT_CHUNK_SIZE = 64 * 1024

export type FileRoute = {
  kind: 'file'
  body: Buffer
  options: FileOptions
  /** 0 for `file()`, +1 per `replace()`: moves the default Last-Modified. */
  version: number
  /** GET requests so far (the fault callback's `attempt`). */
  gets: number
  /** The gzip-compressed body, computed on first use. */
  gzipped?: Buffer
  /** `sharedRateLimit`'s pacing: when the route's link is next free (performance.now() ms). */
  link?: { next: number }
}

export type Exchange = {
  req: IncomingMessage
  res: ServerResponse
  socket: Socket
  record: RecordedRequest
  range?: RequestedRange
  /** Aborted when the response closes or the server shuts down. */
  signal: AbortSignal
  /** Sends the response head and records its status. */
  writeHead(status: number, headers: OutgoingHttpHeaders): void
  countBytes(n: number): void
}

export async function serveFile(route: FileRoute, ex: Exchange): Promise<void> {
  const { req, res, range, signal } = ex
  const method = req.method ?? 'GET'
  if (method !== 'GET' && method !== 'HEAD') {
    ex.writeHead(405, { Allow: 'GET, HEAD', 'Content-Length': '0' })
    res.end()
    return
  }
  const o = route.options
  const useGzip = o.gzip === true && acceptsGzip(req.headers['accept-encoding'])
  const body = useGzip ? (route.gzipped ??= gzipSync(route.body)) : route.body
  let etag = o.etag === undefined ? strongEtag(body) : (o.etag ?? undefined)
  const lastModified =
    o.lastModified === undefined
      ? defaultLastModified(route.version)
      : (o.lastModified ?? undefined)
  const chunked = o.chunked === true

  const headers: OutgoingHttpHeaders = {
    'Content-Type': o.contentType ?? 'application/octet-stream',
  }
  if (o.acceptRanges !== false && o.advertiseRanges !== false && !chunked) {
    headers['Accept-Ranges'] = 'bytes'
  }
  if (o.acceptRangesHeader !== undefined) headers['Accept-Ranges'] = o.acceptRangesHeader
  if (etag !== undefined) headers.ETag = etag
  if (lastModified !== undefined) headers['Last-Modified'] = lastModified
  if (o.contentDisposition !== undefined) {
    headers['Content-Disposition'] = wireHeaderValue(o.contentDisposition)
  }
  if (o.gzip === true) headers.Vary = 'Accept-Encoding'
  if (useGzip) headers['Content-Encoding'] = 'gzip'

  let fault: Fault | undefined
  if (method === 'GET') {
    route.gets += 1
    fault = o.fault?.({ attempt: route.gets, range, connectionId: ex.record.connectionId, req })
  }
  if (fault?.kind === 'etag') {
    etag = fault.etag
    headers.ETag = etag
  }
  if (fault?.kind === 'delay' && !(await pause(fault.ms, signal))) return
  if (fault?.kind === 'status') {
    sendStatusFault(ex, fault)
    return
  }

  let status = 200
  let part = body
  if (fault?.kind === 'wrong-range') {
    const asked = range === undefined ? undefined : resolveRange(range, body.length)
    const start = Math.min(Math.max(0, fault.start), body.length)
    const end =
      typeof asked === 'object' && asked.end >= start && fault.toEnd !== true
        ? asked.end
        : body.length - 1
    status = 206
    headers['Content-Range'] = `bytes ${start}-${end}/${body.length}`
    part = body.subarray(start, end + 1)
  } else if (method === 'GET' && range !== undefined && honoursRange(o, req, etag, lastModified)) {
    const resolved = resolveRange(range, body.length)
    if (resolved === 'unsatisfiable') {
      ex.writeHead(416, {
        ...headers,
        'Content-Range': `bytes */${body.length}`,
        'Content-Length': '0',
      })
      res.end()
      return
    }
    status = 206
    headers['Content-Range'] = `bytes ${resolved.start}-${resolved.end}/${body.length}`
    part = body.subarray(resolved.start, resolved.end + 1)
    if (o.gzipRanges === true) {
      part = gzipSync(part)
      headers['Content-Encoding'] = 'gzip'
    }
  }

  if (chunked) headers['Transfer-Encoding'] = 'chunked'
  else headers['Content-Length'] = String(part.length)
  for (const code of o.interim ?? []) writeInterim(res, code)
  ex.writeHead(status, headers)
  if (method === 'HEAD') {
    res.end()
    return
  }
  const rate = typeof o.rateLimit === 'function' ? o.rateLimit(ex.record.connectionId) : o.rateLimit
  await streamBody(res, ex.socket, {
    body: part,
    chunkSize: Math.max(1, o.chunkSize ?? DEFAULT_CHUNK_SIZE),
    rate: Math.max(0, rate ?? 0),
    bursts: o.rateBursts === true,
    shared:
      (o.sharedRateLimit ?? 0) > 0
        ? { rate: o.sharedRateLimit!, link: (route.link ??= { next: 0 }) }
        : undefined,
    interruption:
      fault?.kind === 'reset' || fault?.kind === 'close' || fault?.kind === 'stall'
        ? fault
        : undefined,
    signal,
    onFlushed: ex.countBytes,
  })
}

/** Whether a Range request gets a partial answer: ranges enabled and If-Range (if any) matches. */
function honoursRange(
  o: FileOptions,
  req: IncomingMessage,
  etag: string | undefined,
  lastModified: string | undefined,
): boolean {
  if (o.acceptRanges === false || o.ignoreRange === true || o.chunked === true) return false
  const ifRange = req.headers['if-range']
  if (ifRange === undefined || o.ignoreIfRange === true) return true
  return typeof ifRange === 'string' && ifRangeMatches(ifRange, etag, lastModified)
}

/** One interim (1xx) response, as node:http writes them. */
function writeInterim(res: ServerResponse, code: 100 | 102 | 103): void {
  if (code === 100) res.writeContinue()
  else if (code === 102) res.writeProcessing()
  else res.writeEarlyHints({ link: '</style.css>; rel=preload; as=style' })
}

function sendStatusFault(ex: Exchange, fault: Extract<Fault, { kind: 'status' }>): void {
  const body = Buffer.from(fault.body ?? '', 'utf8')
  const headers: OutgoingHttpHeaders = { 'Content-Length': String(body.length) }
  if (body.length > 0) headers['Content-Type'] = 'text/plain; charset=utf-8'
  for (const [name, value] of Object.entries(fault.headers ?? {})) {
    // The fault's headers win, whatever their case.
    for (const key of Object.keys(headers)) {
      if (key.toLowerCase() === name.toLowerCase()) delete headers[key]
    }
    headers[name] = wireHeaderValue(value)
  }
  ex.writeHead(fault.status, headers)
  ex.res.end(body)
}
