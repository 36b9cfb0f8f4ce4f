import type { TlsOptions } from '../engine/transfer/http-dispatcher.ts'
import { DownpourError, ERROR_CODES } from '../shared/protocol/errors.ts'
import type { AddRequest, Settings } from '../shared/protocol/model.ts'
import { redactUrl } from '../shared/protocol/url.ts'
import type { CliOutput } from './cli-output.ts'
import { EXIT, exitCodeFor } from './exit-codes.ts'
import { withAdvice } from './run-report.ts'
import { streamToStdout } from './stream-to-stdout.ts'

/** `-o -`: the body on stdout, every message on stderr, no engine and no file (stream-to-stdout.ts). */
export async function toStandardOutput(
  request: AddRequest,
  settings: Settings,
  tls: TlsOptions | null,
  output: CliOutput,
): Promise<number> {
  const abort = new AbortController()
  let signalExit: number = EXIT.interrupted
  const onSignal = (signal: NodeJS.Signals) => {
    signalExit = signal === 'SIGTERM' ? EXIT.terminated : EXIT.interrupted
    abort.abort(new DownpourError(ERROR_CODES.cancelled, 'interrupted'))
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  try {
    await streamToStdout(request, { ...settings, tls }, process.stdout, abort.signal)
    return EXIT.ok
  } catch (caught) {
    if (abort.signal.aborted) return signalExit
    const error = caught instanceof DownpourError ? caught : null
    output.error(`failed ${redactUrl(request.url)}: ${withAdvice((caught as Error).message)}`)
    return exitCodeFor(error ? error.toJSON() : null)
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
}
