import { DownpourError, ERROR_CODES } from '../shared/protocol/errors.ts'
import type { AddRequest, Settings } from '../shared/protocol/model.ts'
import { createDispatcher, type TlsOptions } from '../engine/transfer/http-dispatcher.ts'
import { openFollowingRedirects } from '../engine/transfer/follow-redirects.ts'
import { judgeResponse } from '../engine/transfer/judge-response.ts'
import { buildRequestHeaders } from '../engine/transfer/request-headers.ts'
import { decideRetry } from '../engine/transfer/retry-policy.ts'
import { classifyNetworkError } from '../engine/transfer/classify-error.ts'
import { validatorOf } from '../engine/transfer/same-version.ts'

/**
 * `downpour get -o - URL` (curl's default, wget's `-O -`): the body to stdout, nothing on disk
 * (no `.part`, no queue). The engine's own pieces do the HTTP (redirect rules, response checks,
 * retry policy); a try that fails after bytes were written continues with a Range validated by
 * the first answer's ETag / Last-Modified (what was written cannot be taken back, so a server
 * that cannot continue the same version fails the run instead of writing the start again).
 * Resolves with the bytes written; rejects with the DownpourError that ended it.
 */
export async function streamToStdout(
  request: AddRequest,
  settings: Settings & { tls: TlsOptions | null },
  out: NodeJS.WritableStream & { writableNeedDrain?: boolean },
  signal: AbortSignal,
): Promise<number> {
  const dispatcher = createDispatcher(settings)
  const held = {
    size: null as number | null,
    etag: null as string | null,
    lastModified: null as string | null,
    resumable: null as boolean | null,
  }
  let written = 0
  let failuresInARow = 0
  try {
    for (;;) {
      const before = written
      try {
        const headers = buildRequestHeaders(settings, request.headers ?? {})
        if (written > 0) {
          headers.range = `bytes=${written}-`
          const validator = validatorOf(held)
          if (validator) headers['if-range'] = validator
        }
        const { response, url } = await openFollowingRedirects(dispatcher, {
          url: new URL(request.url),
          headers,
          signal,
        })
        const verdict = judgeResponse(
          response.status,
          response.headers,
          url,
          { from: written > 0 ? written : null, ranged: written > 0 },
          { ...held, bytes: written },
        )
        if (verdict.kind === 'complete') {
          response.discard()
          return written
        }
        if (verdict.kind !== 'body' || verdict.restart || verdict.at !== written) {
          response.discard()
          if (verdict.kind === 'fail') throw verdict.error
          throw new DownpourError(
            ERROR_CODES.notResumable,
            `the server cannot continue the ${written} bytes already written to stdout`,
          )
        }
        if (verdict.adopt) Object.assign(held, verdict.adopt)
        await response.consume((chunk) => {
          written += chunk.length
          const more = out.write(chunk)
          if (more) return 'continue'
          out.once('drain', () => response.resume())
          return 'pause'
        })
        if (held.size === null || written >= held.size) return written
        throw new DownpourError(ERROR_CODES.network, `${held.size - written} bytes still missing`, {
          retryable: true,
        })
      } catch (caught) {
        if (signal.aborted) throw caught
        const error = caught instanceof DownpourError ? caught : classifyNetworkError(caught)
        failuresInARow = written > before ? 1 : failuresInARow + 1
        const decision = decideRetry({
          error,
          failuresInARow,
          maxTries: request.maxTries ?? settings.maxTries,
          baseDelayMs: settings.retryWaitMs,
        })
        if (!decision.retry) throw error
        await new Promise((resolve) => setTimeout(resolve, decision.delayMs))
      }
    }
  } finally {
    await dispatcher.close().catch(() => {})
  }
}
