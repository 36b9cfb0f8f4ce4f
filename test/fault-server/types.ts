import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http'

/**
 * A byte range as the client asked for it (`Range: bytes=S-E` / `bytes=S-`).
 * A suffix range `bytes=-N` is recorded as `{ start: -N }` (like `Buffer.subarray(-N)`;
 * `bytes=-0` gives `start: -0`).
 */
export type RequestedRange = { start: number; end?: number }

export type RecordedRequest = {
  method: string
  /** The request target as received, query string included. */
  path: string
  headers: IncomingHttpHeaders
  /** Present when the request carried a single, syntactically valid `bytes` range. */
  range?: RequestedRange
  /** 1-based id of the TCP connection the request arrived on. */
  connectionId: number
  /** Status code once the response head was sent (undefined for raw routes and before that). */
  status?: number
  /**
   * Body bytes of this response flushed to the socket so far (as `bytesServed` counts them):
   * with `range`, which bytes of the file this request was actually sent.
   */
  bytesServed: number
}

export type FaultContext = {
  /** 1-based count of GET requests to this route so far (HEAD requests are not counted). */
  attempt: number
  range?: RequestedRange
  connectionId: number
  req: IncomingMessage
}

export type Fault =
  /**
   * Write `afterBytes` body bytes, wait until they are flushed to the kernel, then RST the socket
   * (`socket.resetAndDestroy()`). The client may lose some of the last bytes it had not read yet
   * (its kernel/HTTP client discards them on RST), as with a real reset; use `close` for an exact
   * truncation.
   */
  | { kind: 'reset'; afterBytes: number }
  /** (Extension) Write `afterBytes` body bytes, then close gracefully (FIN): a truncated body. */
  | { kind: 'close'; afterBytes: number }
  /** Write `afterBytes` body bytes, then go silent for `ms` (forever when omitted) and resume. */
  | { kind: 'stall'; afterBytes: number; ms?: number }
  /** Answer with this status instead (e.g. 503 + Retry-After, 429, 404, 500). */
  | { kind: 'status'; status: number; headers?: Record<string, string>; body?: string }
  /** Wait `ms` before sending the response head, then respond normally. */
  | { kind: 'delay'; ms: number }
  /**
   * Answer with 206 and `Content-Range` starting at `start` (bytes from there), whatever was
   * asked; `toEnd`: up to the end of the file, past the asked end (a longer answer than asked).
   */
  | { kind: 'wrong-range'; start: number; toEnd?: boolean }
  /**
   * Answer as a backend holding another version would: with this ETag, against which If-Range is
   * judged (so a Range with the route's ETag gets a 200). The bytes are the route's.
   */
  | { kind: 'etag'; etag: string }

export type FileOptions = {
  /** Default: strong ETag from the sha1 of the served bytes, e.g. `"<hex16>"`. `null` = no ETag. */
  etag?: string | null
  /** Default: a fixed HTTP date, later for each `replace()`. `null` = no Last-Modified. */
  lastModified?: string | null
  /** Default true. false: no Accept-Ranges header and Range is ignored (200 full). */
  acceptRanges?: boolean
  /**
   * Send this `Accept-Ranges` value whatever the other options say (e.g. `none`, which Apache
   * and nginx send for resources they will not range).
   */
  acceptRangesHeader?: string
  /** Advertise `Accept-Ranges: bytes` but answer Range requests with 200 and the full body. */
  ignoreRange?: boolean
  /**
   * Default true. false: send no `Accept-Ranges` header but still answer Range with 206 (many
   * servers and proxies do; curl and aria2 simply try).
   */
  advertiseRanges?: boolean
  /**
   * Honour Range but ignore If-Range: a changed file's bytes are served as 206 anyway (common
   * behind CDNs and caching proxies). Only the response's validators tell the client.
   */
  ignoreIfRange?: boolean
  /**
   * Interim responses written before the final one, in order (RFC 9110 §15.2): 100 Continue,
   * 102 Processing, 103 Early Hints (nginx, Apache and CDNs send 103; some send 100 unasked).
   */
  interim?: (100 | 102 | 103)[]
  /** No Content-Length (`Transfer-Encoding: chunked`); Range is ignored, Accept-Ranges not sent. */
  chunked?: boolean
  /** Default `application/octet-stream`. */
  contentType?: string
  /**
   * Sent verbatim. A string goes out as its UTF-8 bytes; a Buffer as exactly its bytes.
   * Node refuses control characters (CR, LF, NUL, ...) in header values: use `raw()` for those.
   */
  contentDisposition?: string | Buffer
  /**
   * Serve the gzip-compressed body with `Content-Encoding: gzip` when the request's
   * Accept-Encoding allows gzip (RFC 9110 §12.5.3: a missing header allows any coding; an empty
   * one or `identity` alone does not). Lengths, ranges and the default ETag then refer to the
   * compressed bytes.
   */
  gzip?: boolean
  /**
   * Compress every 206 answer (`Content-Encoding: gzip`, the range's bytes gzipped on their own,
   * Content-Range still naming the uncompressed range), whatever Accept-Encoding says; 200s stay
   * plain. A misconfigured proxy or CDN does this (issue 19, defect 3).
   */
  gzipRanges?: boolean
  /** Bytes per second per connection (0/undefined = unlimited). */
  rateLimit?: number | ((connectionId: number) => number)
  /**
   * Paces `rateLimit` as nginx's `limit_rate` does (W4's server): a second's worth of bytes, at
   * most 2 MiB (its `sendfile_max_chunk`), written at once, then a pause as long as they should
   * have taken. A reader sees bursts: a 1 MiB/s connection's first MiB at once, the next a
   * second later. Default: smooth pacing (slices of ≤ 16 KiB).
   */
  rateBursts?: boolean
  /**
   * Bytes per second for the route as a whole, however many connections ask (a link or a
   * server capped as a whole): every response's writes take turns on one shared pace.
   */
  sharedRateLimit?: number
  /** Size of each socket write when streaming (default 64 KiB; rate-limited writes use ≤ 16 KiB). */
  chunkSize?: number
  /** Called for each GET before responding; return a fault to inject it. */
  fault?: (ctx: FaultContext) => Fault | undefined
}

/** What `raw()` does after writing its bytes. */
export type RawEnding = 'close' | 'reset' | 'keep-open'

export type Handler = (req: IncomingMessage, res: ServerResponse) => void

export type FaultServer = {
  /** `http://127.0.0.1:PORT` */
  origin: string
  /** origin + path */
  url(path: string): string
  /** Serve `body` at `path` (GET/HEAD). Replaces an existing route and its attempt count. */
  file(path: string, body: Buffer, options?: FileOptions): void
  /**
   * Swap a file's content and validators (the file changed on the server). Options given here
   * are merged over the previous ones, except `etag`/`lastModified`, which revert to their
   * defaults (derived from the new body / a later date) unless given again. The attempt count
   * is kept. Throws if `path` is not a file route.
   */
  replace(path: string, body: Buffer, options?: FileOptions): void
  /** Default status 302. */
  redirect(path: string, location: string, status?: 301 | 302 | 303 | 307 | 308): void
  /** Arbitrary handler for odd cases. */
  handle(path: string, handler: Handler): void
  /**
   * Answer every request to `path` with exactly these bytes written to the socket (status line,
   * headers and body: malformed framing, control characters...), then close (FIN, default),
   * reset (RST) or keep the connection open until `close()`. Strings are sent as UTF-8.
   */
  raw(path: string, response: Buffer | string, ending?: RawEnding): void
  /** In arrival order; `path` filters by route (query ignored) or, if it has a `?`, exactly. */
  requests(path?: string): RecordedRequest[]
  /**
   * Body bytes of file routes flushed to sockets (compressed bytes for gzip), including what
   * was written before a reset; for raw routes, all raw bytes. Other responses are not counted.
   */
  bytesServed(path?: string): number
  /** TCP connections accepted so far. */
  connectionsOpened(): number
  /**
   * High-water mark of simultaneously open connections; one stops counting at its client's FIN
   * or reset (read in the kernel's order), before node:http's 'close' a loop turn later.
   */
  maxConcurrentConnections(): number
  /** Connections open now, counted as `maxConcurrentConnections` (until the client's FIN or reset). */
  openConnections(): number
  /**
   * High-water mark of requests to `path` (query ignored) being answered at once: from arrival
   * until their response closed (finished, reset or dropped by the client: its FIN or reset).
   */
  maxConcurrentRequests(path: string): number
  /** Requests to `path` (query ignored) being answered now, counted as `maxConcurrentRequests`. */
  activeRequests(path: string): number
  /** Destroys open sockets, cancels timers, resolves when the server is closed. Idempotent. */
  close(): Promise<void>
}
