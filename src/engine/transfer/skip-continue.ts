import type { Socket } from 'node:net'
import type { buildConnector as BuildConnector } from 'undici'
import { buildConnector } from './undici-parts.ts'

/** Interim `100 Continue` heads longer than this are left alone (undici then refuses them). */
const MAX_INTERIM_HEAD_BYTES = 16 * 1024
const CONTINUE = /^HTTP\/1\.[01] 100[ \r]/
/** What a 100's first bytes are (HTTP/1.1 only: 1.0 has no interim responses). */
const LEAD = Buffer.from('HTTP/1.1 100')
/** Bytes needed to tell: the lead and the space or CR after it. */
const NEEDED = LEAD.length + 1
const HEAD_END = Buffer.from('\r\n\r\n')

/**
 * A connector (undici's `connect` option) whose sockets drop unsolicited interim
 * `100 Continue` responses. Some servers send one before every response; RFC 9110 §15.2 asks a
 * client to skip interim responses it did not ask for, but undici's HTTP/1.1 parser closes the
 * connection on any 100 ("bad response") before a handler sees it (102 and 103 do reach the
 * handler, which skips them). Nothing else is touched: the filter looks only at the first bytes
 * of each response and steps aside at once when they are not a 100.
 */
export function connectorSkippingContinue(
  timeoutMs: number,
  tls: { ca?: string[]; rejectUnauthorized?: boolean } = {},
): BuildConnector.connector {
  const base = buildConnector({ timeout: timeoutMs, allowH2: false, ...tls })
  return (options, callback) =>
    base(options, (error, socket) => {
      if (error) callback(error, null)
      else callback(null, skipContinue(socket as Socket) as never)
    })
}

/**
 * Patches one socket: with one request in flight at a time (pipelining 1, GETs without
 * bodies), the first bytes received after a request was written are the start of its response.
 */
export function skipContinue<T extends Socket>(socket: T): T {
  const push = socket.push.bind(socket)
  const write = socket.write.bind(socket) as (...args: unknown[]) => boolean
  let atResponseStart = false
  let pending: Buffer | null = null
  socket.write = ((...args: unknown[]) => {
    atResponseStart = true
    return write(...args)
  }) as T['write']
  socket.push = (chunk: unknown, encoding?: BufferEncoding): boolean => {
    if (!atResponseStart || !Buffer.isBuffer(chunk)) {
      if (chunk === null && pending) {
        push(pending)
        pending = null
      }
      return push(chunk, encoding)
    }
    let data: Buffer = pending ? Buffer.concat([pending, chunk]) : chunk
    pending = null
    for (;;) {
      if (data.length < NEEDED) {
        const n = Math.min(data.length, LEAD.length)
        if (!LEAD.subarray(0, n).equals(data.subarray(0, n))) break
        pending = data // too short to tell yet
        return true
      }
      if (!CONTINUE.test(data.subarray(0, NEEDED).toString('latin1'))) break
      const end = data.indexOf(HEAD_END)
      if (end === -1) {
        if (data.length > MAX_INTERIM_HEAD_BYTES) break
        pending = data
        return true
      }
      data = data.subarray(end + HEAD_END.length)
      if (data.length === 0) return true
    }
    atResponseStart = false
    return push(data)
  }
  return socket
}
