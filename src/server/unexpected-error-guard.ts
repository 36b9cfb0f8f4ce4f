/**
 * A host that serves the network (`downpour serve`, the desktop app's engine process) must not
 * be ended by one request that reaches a bug: Node's default for an unhandled rejection or an
 * uncaught exception is to exit, and one hostile page could then stop every download, again and
 * again. The engine keeps its queue durable after every change, and each request's failure is
 * local to that request, so the host logs the error and keeps serving; the log line is the
 * bug report. Returns the function that removes the guard.
 */
export function keepServingOnUnexpectedErrors(
  log: (line: string) => void,
  target: Pick<NodeJS.Process, 'on' | 'off'> = process,
): () => void {
  const onRejection = (reason: unknown) =>
    log(`unexpected unhandled rejection (still serving): ${describe(reason)}`)
  const onException = (error: unknown) =>
    log(`unexpected uncaught exception (still serving): ${describe(error)}`)
  target.on('unhandledRejection', onRejection)
  target.on('uncaughtException', onException)
  return () => {
    target.off('unhandledRejection', onRejection)
    target.off('uncaughtException', onException)
  }
}

/** The error's name, message and first stack frames: enough to find the bug, bounded. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error).slice(0, 500)
  const frames = (error.stack ?? '').split('\n').slice(1, 6).join(' |')
  return `${error.name}: ${error.message.slice(0, 500)}${frames ? ` |${frames}` : ''}`
}
