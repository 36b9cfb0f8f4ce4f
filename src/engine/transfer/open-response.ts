import type { Dispatcher } from 'undici'
import type { IncomingHttpHeaders } from './response-headers.ts'

/** What a body consumer says after each chunk. */
export type ChunkVerdict = 'continue' | 'pause' | 'stop'

/**
 * A response whose headers have arrived and whose body has not been read yet (the socket is
 * paused). Built on undici's `dispatch` handler API: no Web Streams and no Readable in the byte
 * path, so a chunk goes from the socket to our write buffer with one callback.
 */
export type OpenResponse = {
  status: number
  headers: IncomingHttpHeaders
  /**
   * Streams the body into `onChunk`. 'pause' holds the socket until `resume()`; 'stop' ends
   * the exchange early (the connection is closed: it still carries unread bytes).
   * Resolves when the body ended or was stopped; rejects on network errors and timeouts.
   */
  consume(onChunk: (chunk: Buffer) => ChunkVerdict): Promise<'ended' | 'stopped'>
  resume(): void
  /** Drops the response (e.g. a redirect or an error page) and frees the connection. */
  discard(): void
  /** Ends the exchange with `error` (consume() rejects with it); the connection is closed. */
  abort(error: Error): void
}

export type RequestOptions = {
  url: URL
  headers: Record<string, string>
  /** GET unless said otherwise (HEAD checks a replacement URL without fetching a byte). */
  method?: 'GET' | 'HEAD'
  signal?: AbortSignal
  /**
   * Close the connection after this exchange instead of keeping it alive for the next one: a
   * connection whose next request will go out on another thread (another dispatcher) would sit
   * idle and still count against the server's connection limit.
   */
  closeAfter?: boolean
}

/**
 * Redirect and error bodies are read up to this many bytes (a page saying "moved" or "not
 * found"), so the connection can be reused; past it the connection is dropped instead: a server
 * must not keep us reading an endless body we do not want.
 */
export const DISCARD_LIMIT_BYTES = 64 * 1024

class StopSignal extends Error {
  constructor() {
    super('body consumer stopped')
  }
}

/** Sends one GET (or HEAD; no redirects followed here) and resolves once its headers are in. */
export function openResponse(
  dispatcher: Dispatcher,
  options: RequestOptions,
): Promise<OpenResponse> {
  return new Promise((resolveHeaders, rejectHeaders) => {
    let controller: Dispatcher.DispatchController | null = null
    let headersDone = false
    let onChunk: ((chunk: Buffer) => ChunkVerdict) | null = null
    let discarding = false
    let discarded = 0
    let finish: ((how: 'ended' | 'stopped') => void) | null = null
    let fail: ((error: Error) => void) | null = null
    let settled: { how: 'ended' | 'stopped' } | { error: Error } | null = null

    const settle = (outcome: { how: 'ended' | 'stopped' } | { error: Error }): void => {
      if (settled) return
      settled = outcome
      options.signal?.removeEventListener('abort', onAbort)
      if ('how' in outcome) finish?.(outcome.how)
      else fail?.(outcome.error)
    }
    const onAbort = (): void => {
      const reason =
        options.signal?.reason instanceof Error ? options.signal.reason : new Error('aborted')
      controller?.abort(reason)
      if (!headersDone) rejectHeaders(reason)
      settle({ error: reason })
    }
    if (options.signal?.aborted) {
      onAbort()
      return
    }
    options.signal?.addEventListener('abort', onAbort, { once: true })

    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(ctrl) {
        controller = ctrl
        // Aborted before undici handed us the controller: end the exchange now.
        if (settled && 'error' in settled) ctrl.abort(settled.error)
      },
      onResponseStart(ctrl, statusCode, headers) {
        controller = ctrl
        // Interim responses (102 Processing, 103 Early Hints) come before the real one: skip
        // them, as RFC 9110 §15.2 asks of a client that did not ask for them. (An unsolicited
        // 100 Continue never gets here: undici drops the connection with "bad response".)
        if (statusCode < 200) return
        if (settled) {
          ctrl.abort('error' in settled ? settled.error : new StopSignal())
          return
        }
        headersDone = true
        ctrl.pause()
        resolveHeaders({
          status: statusCode,
          headers: headers as IncomingHttpHeaders,
          consume(callback) {
            onChunk = callback
            const done = new Promise<'ended' | 'stopped'>((resolve, reject) => {
              finish = resolve
              fail = reject
            })
            if (settled) {
              if ('how' in settled) finish?.(settled.how)
              else fail?.(settled.error)
            } else ctrl.resume()
            return done
          },
          resume() {
            if (!settled) ctrl.resume()
          },
          abort(error) {
            if (settled) return
            ctrl.abort(error)
            settle({ error })
          },
          discard() {
            discarding = true
            // Redirect and error bodies are small: read them to keep the connection reusable
            // (up to DISCARD_LIMIT_BYTES, see onResponseData).
            if (!settled) ctrl.resume()
          },
        })
      },
      onResponseData(ctrl, chunk) {
        if (settled) return
        if (discarding) {
          discarded += chunk.length
          if (discarded > DISCARD_LIMIT_BYTES) {
            ctrl.abort(new StopSignal())
            settle({ how: 'stopped' })
          }
          return
        }
        const verdict = onChunk ? onChunk(chunk) : 'pause'
        if (verdict === 'pause') ctrl.pause()
        else if (verdict === 'stop') {
          ctrl.abort(new StopSignal())
          settle({ how: 'stopped' })
        }
      },
      onResponseEnd() {
        settle({ how: 'ended' })
      },
      onResponseError(_ctrl, error) {
        if (error instanceof StopSignal) return settle({ how: 'stopped' })
        if (!headersDone) {
          headersDone = true
          options.signal?.removeEventListener('abort', onAbort)
          rejectHeaders(error)
        }
        settle({ error })
      },
    }

    try {
      dispatcher.dispatch(
        {
          origin: options.url.origin,
          path: options.url.pathname + options.url.search,
          method: options.method ?? 'GET',
          headers: options.headers,
          ...(options.closeAfter ? { reset: true } : {}),
        },
        handler,
      )
    } catch (error) {
      rejectHeaders(error)
    }
  })
}
