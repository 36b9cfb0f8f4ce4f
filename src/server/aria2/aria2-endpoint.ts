import { randomBytes } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocketServer, type RawData, type WebSocket } from 'ws'
import type { EngineApi } from '../../shared/protocol/api.ts'
import type { EventSource } from '../../shared/protocol/rpc.ts'
import type { AuthThrottle } from './aria2-auth-throttle.ts'
import { Aria2Dispatcher, errorReply, type Aria2Reply } from './aria2-dispatch.ts'
import { Aria2DownloadView } from './aria2-download-view.ts'
import { aria2SecretProblem } from './aria2-secret-rule.ts'
import { ARIA2_CODES, Aria2Error } from './aria2-error.ts'

/** Large enough for any request a client sends (aria2 takes torrents this way; we do not). */
const MAX_BODY_BYTES = 4 * 1024 * 1024
/**
 * The largest answer written: far above any page of downloads a client asks for, far below
 * what a flood of calls would cost (a 4 MiB batch once made a 79 MB answer).
 */
export const MAX_REPLY_BYTES = 32 * 1024 * 1024

export const ARIA2_PATH = '/jsonrpc'
/** aria2's XML-RPC path, which Downpour does not serve (see serveHttp). */
const XML_RPC_PATH = '/rpc'

export type Aria2EndpointOptions = {
  engine: EngineApi & EventSource
  /**
   * True when `engine` is the engine itself, in this process (serve, the utility host), not a
   * client of one: its events are objects it made, and the view does not check them again.
   */
  engineInProcess?: boolean
  /**
   * The secret clients send as `token:SECRET`. Required, at least 16 characters (see
   * aria2-secret-rule.ts): this endpoint reaches the engine.
   */
  secret: string
  /** The guard against DNS rebinding: whether a request's `Host` header names this server. */
  hostAllowed: (host: string | undefined) => boolean
  /** How `aria2.shutdown` ends the host; omitted = the method answers an error. */
  shutdown?: (force: boolean) => void
  /** Test hook: the wait before an `Unauthorized` answer (default about a second, as aria2). */
  unauthorizedDelayMs?: number
  /** Counts wrong secrets; default: the one shared by the whole process. */
  authThrottle?: AuthThrottle
  /** Where an unexpected failure while answering is reported (never a secret or a message). */
  log?: (line: string) => void
}

/**
 * aria2's JSON-RPC at `/jsonrpc`, to mount on any node:http(s) server: HTTP POST, HTTP GET
 * (base64 `params`, JSONP) and WebSocket, with aria2's statuses, CORS (`--rpc-allow-origin-all`:
 * every call needs the secret, so any origin may ask) and notifications to every WebSocket
 * client that has made a call with the secret. Works against any `EngineApi & EventSource`: the
 * in-process engine or a client of one.
 */
export type Aria2Endpoint = {
  /** Resolves once the engine's state is known (calls wait for it anyway). */
  readonly ready: Promise<void>
  /** Answers an HTTP request (any path: preflights are answered everywhere, as aria2 does). */
  handleRequest(req: IncomingMessage, res: ServerResponse): void
  /** Takes a WebSocket upgrade to `/jsonrpc`; refuses other paths (404) and foreign hosts (403). */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void
  /** Closes every WebSocket and stops following the engine. */
  close(): void
}

export function createAria2Endpoint(options: Aria2EndpointOptions): Aria2Endpoint {
  const problem = aria2SecretProblem(options.secret)
  if (problem) throw new Error(problem)
  const view = new Aria2DownloadView(options.engine, { trusted: options.engineInProcess === true })
  const log = options.log ?? (() => {})
  const dispatcher = new Aria2Dispatcher({
    secret: options.secret,
    unauthorizedDelayMs: options.unauthorizedDelayMs,
    ...(options.authThrottle ? { throttle: options.authThrottle } : {}),
    context: {
      engine: options.engine,
      view,
      sessionId: randomBytes(20).toString('hex'),
      shutdown: options.shutdown ?? null,
    },
  })
  const sockets = new WebSocketServer({ noServer: true, maxPayload: MAX_BODY_BYTES })
  // Sockets that made a call with the secret: only they hear when the user downloads what.
  const trusted = new WeakSet<WebSocket>()
  sockets.on('connection', (ws) => serveWebSocket(dispatcher, ws, trusted, log))
  // Sent on the next turn of the event loop, as aria2 does: the answer to the addUri or unpause
  // that caused a notification goes out first, so a client knows the GID it names.
  let queued: string[] = []
  const offNotify = view.notifications.on('notify', ({ method, gid }) => {
    if (queued.length === 0) setImmediate(flush)
    queued.push(JSON.stringify({ jsonrpc: '2.0', method, params: [{ gid }] }))
  })
  const flush = () => {
    const texts = queued
    queued = []
    for (const ws of sockets.clients)
      if (ws.readyState === ws.OPEN && trusted.has(ws)) for (const text of texts) ws.send(text)
  }
  return {
    ready: view.ready,
    handleRequest(req, res) {
      if (!options.hostAllowed(req.headers.host)) {
        res.writeHead(403, { 'Content-Type': 'text/plain; charset=utf-8' })
        res.end('this Host is not allowed\n')
        return
      }
      void serveHttp(dispatcher, req, res).catch((error: unknown) => {
        log(`aria2 RPC: unexpected failure answering over HTTP: ${describe(error)}`)
        res.destroy()
      })
    },
    handleUpgrade(req, socket, head) {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname
      const refuse = (status: string) => {
        socket.on('error', () => {})
        socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
      }
      if (!options.hostAllowed(req.headers.host)) return refuse('403 Forbidden')
      if (path !== ARIA2_PATH) return refuse('404 Not Found')
      sockets.handleUpgrade(req, socket, head, (ws) => sockets.emit('connection', ws, req))
    },
    close() {
      offNotify()
      view.close()
      for (const ws of sockets.clients) ws.terminate()
      sockets.close()
    },
  }
}

/** CORS as aria2's `--rpc-allow-origin-all`, on every answer (errors included). */
function corsHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = { 'Access-Control-Allow-Origin': '*' }
  if (
    req.method === 'OPTIONS' &&
    req.headers.origin &&
    req.headers['access-control-request-method']
  ) {
    headers['Access-Control-Allow-Methods'] = 'POST, GET, OPTIONS'
    headers['Access-Control-Max-Age'] = '1728000'
    const asked = req.headers['access-control-request-headers']
    if (asked) headers['Access-Control-Allow-Headers'] = asked
  }
  return headers
}

async function serveHttp(
  dispatcher: Aria2Dispatcher,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const cors = corsHeaders(req)
  // A preflight is never authenticated and may name any path (aria2 answers them all).
  if (req.method === 'OPTIONS') {
    res.writeHead(200, { ...cors, 'Content-Length': '0' })
    res.end()
    return
  }
  const url = new URL(req.url ?? '/', 'http://localhost')
  if (url.pathname === XML_RPC_PATH && req.method === 'POST') {
    // aria2's XML-RPC endpoint: a client that picked it by mistake is told 400, as aria2 tells
    // a JSON body there (Downpour speaks JSON-RPC only).
    res.writeHead(400, { ...cors, 'Content-Length': '0', Connection: 'close' })
    res.end()
    return
  }
  if (url.pathname !== ARIA2_PATH || (req.method !== 'GET' && req.method !== 'POST')) {
    res.writeHead(404, { ...cors, 'Content-Length': '0' })
    res.end()
    return
  }
  let reply: Aria2Reply
  let callback: string | null = null
  if (req.method === 'POST') {
    const body = await readBody(req)
    if (body === null) {
      res.writeHead(413, { ...cors, Connection: 'close' })
      res.end()
      return
    }
    const parsed = parseJson(body)
    reply = parsed.ok ? await dispatcher.handle(parsed.value) : parseErrorReply()
  } else {
    callback = url.searchParams.get('jsoncallback')
    if (callback !== null && !/^[A-Za-z_$][\w$.]{0,127}$/.test(callback)) {
      // The callback becomes code in the page: only a plain (dotted) identifier is written back.
      callback = null
      reply = errorReply(null, new Aria2Error(ARIA2_CODES.invalidRequest, 'Invalid Request.'))
    } else {
      const message = getRequest(url.searchParams)
      reply = message.ok ? await dispatcher.handle(message.value) : parseErrorReply()
    }
  }
  const [status, json] = encodeReply(reply)
  const text = callback ? `${callback}(${json})` : json
  res.writeHead(status, {
    ...cors,
    'Content-Type': callback ? 'text/javascript' : 'application/json-rpc',
    'Cache-Control': 'no-cache',
    'Content-Length': String(Buffer.byteLength(text)),
    ...(status >= 400 ? { Connection: 'close' } : {}),
  })
  res.end(text)
}

/**
 * aria2's GET form: `?method=M&id=ID&params=<base64 of the JSON params>`; without `method`,
 * `params` is a whole batch. Base64 may arrive with `+` turned into a space by a form encoder.
 */
function getRequest(query: URLSearchParams): { ok: true; value: unknown } | { ok: false } {
  const encoded = query.get('params')
  let params: unknown = undefined
  if (encoded !== null) {
    const parsed = parseJson(Buffer.from(encoded.replace(/ /g, '+'), 'base64').toString('utf8'))
    if (!parsed.ok) return parsed
    params = parsed.value
  }
  const method = query.get('method')
  if (method === null) return { ok: true, value: params }
  const request: Record<string, unknown> = { jsonrpc: '2.0', method }
  if (query.has('id')) request['id'] = query.get('id')
  if (params !== undefined) request['params'] = params
  return { ok: true, value: request }
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    const value: unknown = JSON.parse(text)
    // aria2's parser takes no bare number as a whole message (`42`: 500, Parse error); other
    // values that are not a call are an Invalid Request, as there.
    return typeof value === 'number' ? { ok: false } : { ok: true, value }
  } catch {
    return { ok: false }
  }
}

function parseErrorReply(): Aria2Reply {
  return errorReply(null, new Aria2Error(ARIA2_CODES.parse, 'Parse error.'))
}

async function readBody(req: IncomingMessage): Promise<string | null> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > MAX_BODY_BYTES) return null
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks).toString('utf8')
}

/**
 * The reply's text and status, or a small error when the text would be larger than
 * MAX_REPLY_BYTES (UTF-16 units: within 3× of the bytes). A reply that cannot be written at
 * all throws: that is a bug, and the caller logs it.
 */
export function encodeReply(reply: Aria2Reply): [status: number, text: string] {
  const text = JSON.stringify(reply.body)
  if (text.length <= MAX_REPLY_BYTES) return [reply.status, text]
  const refused = errorReply(
    null,
    new Aria2Error(
      ARIA2_CODES.method,
      `The answer would be larger than ${MAX_REPLY_BYTES / 1024 / 1024} MiB: ask for fewer calls, downloads or keys at once.`,
    ),
  )
  return [refused.status, JSON.stringify(refused.body)]
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error)
}

/** Text frames carry one request or a batch; each gets its answer (order not guaranteed). */
function serveWebSocket(
  dispatcher: Aria2Dispatcher,
  ws: WebSocket,
  trusted: WeakSet<WebSocket>,
  log: (line: string) => void,
): void {
  // An oversized frame or invalid UTF-8 ends the socket (ws closes it with 1009/1007); without
  // a listener, the 'error' event would be thrown and end the process.
  ws.on('error', () => {})
  ws.on('message', (data, isBinary) => {
    // aria2 reads a binary frame as text too (some clients send Buffers): answered the same,
    // never left hanging. Its bytes are not checked as UTF-8 by ws: invalid ones are a parse error.
    const text = isBinary ? utf8OrNull(data) : String(data)
    const parsed = text === null ? ({ ok: false } as const) : parseJson(text)
    void (parsed.ok ? dispatcher.handle(parsed.value) : Promise.resolve(parseErrorReply()))
      .then((reply) => {
        if ('authorized' in reply && reply.authorized) trusted.add(ws)
        if (ws.readyState === ws.OPEN) ws.send(encodeReply(reply)[1])
      })
      .catch((error: unknown) => {
        log(`aria2 RPC: unexpected failure answering over WebSocket: ${describe(error)}`)
        ws.terminate()
      })
  })
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true })

function utf8OrNull(data: RawData): string | null {
  const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer)
  try {
    return strictUtf8.decode(bytes)
  } catch {
    return null
  }
}
