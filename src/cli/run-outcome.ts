import type { Engine } from '../engine/engine.ts'
import type { DownloadSnapshot } from '../shared/protocol/model.ts'
import { normalizeUrlKey, parseDownloadUrl } from '../shared/protocol/url.ts'
import type { CliOutput } from './cli-output.ts'
import type { Usage } from './collect-requests.ts'
import { EXIT, exitCodeFor } from './exit-codes.ts'
import type { GetOptions } from './get-options.ts'
import { ENQUEUE_CHUNK } from './list-enqueue.ts'
import type { ProgressDisplay } from './progress-display.ts'
import { interruptLines, summaryLine, type DownloadWarnings } from './run-summary.ts'
import { sessionText, writeSessionFile, type SessionItem } from './session-file.ts'
import { removeEmptyStateDir } from './state-cleanup.ts'

/** What a run did with what it was given (the `run/summary` event; the last line's counts). */
export type Tally = { completed: number; failed: number; rejected: number; interrupted: boolean }

/** A run at its end: what it was given, what it added, and how its downloads ended. */
export type RunEnd = {
  engine: Engine
  usage: Usage
  options: GetOptions
  output: CliOutput
  display: ProgressDisplay | null
  warnings: DownloadWarnings
  mine: ReadonlySet<string>
  finished: ReadonlyMap<string, DownloadSnapshot>
  /** Input lines the engine refused (the list's own problems are in `usage`). */
  rejectedCount: number
  /** The queue folder to remove when the run leaves its queue empty (null: keep it). */
  removableStateDir: string | null
  tally: Tally
}

/**
 * Ctrl-C or SIGTERM: the run's downloads pause (every received byte is made durable, and the
 * next run resumes where the server allows it; where it does not, the message says so instead
 * of promising a resume). Returns the signal's exit code, or 1 if the session cannot be saved.
 */
export async function endInterrupted(end: RunEnd, signalExit: number): Promise<number> {
  const { engine, usage, options, output, display, mine, finished, tally } = end
  await engine.pause({ ids: [...mine] })
  const left = (await engine.snapshot()).downloads.filter(
    (d) => mine.has(d.id) && d.state !== 'completed',
  )
  const paused = left.filter((d) => d.state === 'paused')
  await engine.close()
  display?.finish()
  if (!options.quiet) for (const line of interruptLines(paused)) output.error(line)
  const ended = [...finished.values()]
  Object.assign(tally, {
    completed: ended.filter((d) => d.state === 'completed').length,
    failed: ended.filter((d) => d.state === 'failed' || pausedByEngine(d)).length,
    rejected: usage.problems.length + end.rejectedCount,
    interrupted: true,
  })
  if (!(await saveSession(left, usage, options, output))) return EXIT.failed
  return signalExit
}

/**
 * Every download of the run ended: the completed ones leave the queue (a finished run leaves
 * none behind; failed downloads stay so a rerun retries them), the summary line, and the exit
 * code that names the cause.
 */
export async function endFinished(end: RunEnd): Promise<number> {
  const { engine, usage, options, output, warnings, mine, finished, tally } = end
  const failed = [...finished.values()].filter((d) => d.state === 'failed' || pausedByEngine(d))
  const completed = [...finished.values()].filter((d) => d.state === 'completed').map((d) => d.id)
  await engine.remove({ ids: completed })
  // Nothing paused or failed here, from this run or an earlier one: no queue to keep.
  const kept = (await engine.snapshot()).downloads
  const empty = kept.length === 0
  await engine.close()
  const left = kept.filter((d) => mine.has(d.id))
  if (empty && end.removableStateDir) await removeEmptyStateDir(end.removableStateDir)
  const rejected = usage.problems.length + end.rejectedCount
  Object.assign(tally, { completed: completed.length, failed: failed.length, rejected })
  if (!options.quiet && !options.json) {
    for (const warning of warnings.lines(new Set(completed))) output.out(`warning   ${warning}`)
    output.out(summaryLine(completed.length, failed.length, rejected))
  }
  if (!(await saveSession(left, usage, options, output))) return EXIT.failed
  // Failures of different causes: the last one's code, as aria2c does (`finished` is in the
  // order the downloads ended). Rejected input lines alone are 1.
  if (failed.length > 0) return exitCodeFor(failed.at(-1)!.error)
  return rejected > 0 ? EXIT.failed : EXIT.ok
}

/**
 * The engine paused a download itself (a full disk: it keeps the data and waits for space):
 * for a one-shot run that is the end, reported like a failure; the next run resumes it.
 */
export function pausedByEngine(download: DownloadSnapshot): boolean {
  return download.state === 'paused' && download.error !== null
}

/**
 * `--save-session FILE`: the run's downloads that did not complete, then what an interrupted run
 * had not added yet (the rest of its lists is read for it). False (said on stderr) when the file
 * cannot be written.
 */
async function saveSession(
  left: readonly DownloadSnapshot[],
  usage: Usage,
  options: GetOptions,
  output: CliOutput,
): Promise<boolean> {
  if (options.saveSession === undefined) return true
  const problems = usage.problems.length
  while (usage.readMore(ENQUEUE_CHUNK));
  // Lines refused while reading the rest were never downloaded: not in the session either.
  usage.problems.length = problems
  const items: SessionItem[] = [...left, ...usage.requests].map(({ url }) => {
    const source = usage.sources.get(normalizeUrlKey(parseDownloadUrl(url)))
    return { url, ...(source ? { source } : {}), ...(options.out ? { out: options.out } : {}) }
  })
  try {
    await writeSessionFile(options.saveSession, sessionText(items))
    return true
  } catch (error) {
    output.error(`cannot save the session to ${options.saveSession}: ${(error as Error).message}`)
    return false
  }
}
