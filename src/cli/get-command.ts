import { resolve } from 'node:path'
import type { Engine } from '../engine/engine.ts'
import { diskError } from '../engine/storage/disk-error.ts'
import { makeDownloadFolder } from '../engine/storage/safe-folder.ts'
import type { DownloadSnapshot } from '../shared/protocol/model.ts'
import { CliOutput } from './cli-output.ts'
import { collectRequests, ifExistsOf, type Usage } from './collect-requests.ts'
import { EXIT, exitCodeFor } from './exit-codes.ts'
import {
  connectionCap,
  runSettings,
  stdoutProblem,
  tlsOptions,
  type GetOptions,
} from './get-options.ts'
import { enqueue, FIRST_CHUNK, tellNew, type Told } from './list-enqueue.ts'
import { openEngineInSlot, othersLiveIn } from './open-engine.ts'
import { ProgressDisplay } from './progress-display.ts'
import { proxyProblem } from './proxy-check.ts'
import { loadCredentials } from './request-credentials.ts'
import { endFinished, endInterrupted, type RunEnd, type Tally } from './run-outcome.ts'
import { reportRun } from './run-report.ts'
import { DownloadWarnings } from './run-summary.ts'
import { settingsProblem } from './settings-check.ts'
import { defaultStateDir, stateDirProblem } from './state-dir.ts'
import { toStandardOutput } from './stdout-run.ts'

export { defaultStateDir } from './state-dir.ts'
export type { GetOptions } from './get-options.ts'

/*
 * `downpour get`, its steps in files of their own: the options resolved (get-options.ts), the
 * list added and reconciled with an earlier run's queue (list-enqueue.ts), the reports while it
 * runs (run-report.ts), its end and exit code (run-outcome.ts), `-o -` (stdout-run.ts).
 */

/**
 * `downpour get`: adds the URLs to an engine whose queue lives in a per-folder state dir, so
 * running the same command again after Ctrl-C or kill -9 resumes instead of starting over.
 */
export async function runGet(urls: string[], given: GetOptions): Promise<number> {
  const options = connectionCap(given)
  const output = new CliOutput()
  const tally: Tally = { completed: 0, failed: 0, rejected: 0, interrupted: false }
  const code = await get(urls, options, output, tally)
  // One last event whatever happened, bad usage included (docs/cli-json.md): a script reads
  // the outcome from the stream, not from counting the events before it.
  if (options.json && options.out !== '-') output.json('run/summary', { ...tally, exitCode: code })
  return code
}

async function get(
  urls: string[],
  options: GetOptions,
  output: CliOutput,
  tally: Tally,
): Promise<number> {
  const dir = resolve(options.dir)
  const toStdout = options.out === '-'
  const usageProblem = stdoutProblem(urls, options)
  if (usageProblem) {
    output.error(usageProblem)
    return EXIT.usage
  }
  const credentials = await loadCredentials(options)
  if ('problem' in credentials) {
    output.error(credentials.problem)
    return EXIT.usage
  }
  const tls = await tlsOptions(options)
  if ('problem' in tls) {
    output.error(tls.problem)
    return EXIT.usage
  }
  const flags = {
    ...options,
    headersFor: credentials.headersFor,
    keepInputLines: options.saveSession !== undefined,
  }
  // The first piece of the lists only: the rest is parsed while the first downloads run.
  const usage = await collectRequests(
    urls,
    toStdout ? { ...flags, out: undefined } : flags,
    dir,
    FIRST_CHUNK,
  )
  const told = { problems: 0, merged: 0, notes: 0, json: options.json === true }
  tellNew(usage, told, output)
  const fatal = usage.fatal ?? proxyProblem(options.allProxy)
  if (fatal) {
    output.error(fatal)
    return EXIT.usage
  }
  if (usage.requests.length === 0) {
    tally.rejected = usage.problems.length
    output.error(
      `nothing to download${usage.problems.length ? ' (every input line was rejected)' : ' (give URLs or -i FILE)'}`,
    )
    return EXIT.usage
  }
  const stateDir = options.stateDir ?? defaultStateDir(dir)
  // `-o -` keeps no queue: nothing is created for it.
  const stateProblem = toStdout ? null : await stateDirProblem(stateDir)
  if (stateProblem) {
    output.error(`cannot use the state folder ${stateDir}: ${stateProblem}`)
    return EXIT.usage
  }
  const settings = runSettings(options, dir)
  const settingsIssue = settingsProblem(settings)
  if (settingsIssue) {
    output.error(settingsIssue)
    return EXIT.usage
  }
  if (toStdout) return await toStandardOutput(usage.requests[0]!, settings, tls.tls, output)
  // The folder named on this command line is made now: the engine does not make again a folder
  // that held a download's bytes and went away — but here the person has just named
  // it (`rm -r dl; downpour get -d dl …` after an interrupted run starts that download over).
  const folderProblem = await makeDownloadFolder(dir).then(
    () => null,
    (error: unknown) => diskError(error, `cannot create the folder ${dir}`, dir),
  )
  if (folderProblem) {
    output.error(folderProblem.message)
    return exitCodeFor(folderProblem.toJSON())
  }
  // A queue folder of its own (the first free slot): runs into one folder do not wait for each
  // other; one that meets another's download of the same file waits for that file only.
  // (Asked by downloads the engine resumes while it opens: the slot is not known then.)
  let slot = ''
  const opened = await openEngineInSlot({
    stateDir,
    settings,
    tls: tls.tls,
    // Origin marks only when asked, as wget and curl do: the URL (a signed link's token with
    // it) would travel with every copy of the file, and on Linux each batch forks the process.
    originMarks: options.xattr === true,
    othersLive: () => othersLiveIn(stateDir, slot),
    // Every download this run adds has it: its queue files store it once, not in each record.
    queueIfExists: ifExistsOf(options),
  })
  slot = opened.stateDir
  const engine = opened.engine
  // The default location only (see removeEmptyStateDir): a named folder is the person's.
  const removable = options.stateDir === undefined ? slot : null
  return await drive(engine, usage, options, output, told, removable, tally)
}

/**
 * Runs the list on the opened engine until every download of it ended or a signal came, then
 * ends the run (run-outcome.ts). Listening before the list is added: Ctrl-C while a
 * 100,000-URL list is still being added (its first downloads already running) pauses cleanly
 * too, instead of killing the process.
 */
async function drive(
  engine: Engine,
  usage: Usage,
  options: GetOptions,
  output: CliOutput,
  told: Told,
  /** The queue folder to remove when the run leaves its queue empty (null: keep it). */
  removableStateDir: string | null,
  tally: Tally,
): Promise<number> {
  const display = options.json || options.quiet ? null : new ProgressDisplay(output.display)
  const emitJson = (event: string, payload: object) => output.json(event, payload)
  const mine = new Set<string>()
  const finished = new Map<string, DownloadSnapshot>()
  const warnings = new DownloadWarnings()
  let wake: () => void = () => {}
  const reports = reportRun(engine, options, output, {
    mine,
    finished,
    warnings,
    display,
    ended: () => wake(),
  })

  let interrupted = false
  // 130 for Ctrl-C, 143 for SIGTERM (128 + the signal's number, as a shell reports a kill).
  let signalExit: number = EXIT.interrupted
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) process.exit(signalExit)
    interrupted = true
    signalExit = signal === 'SIGTERM' ? EXIT.terminated : EXIT.interrupted
    wake()
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  let rejectedCount: number
  try {
    rejectedCount = await enqueue(
      engine,
      usage,
      options,
      {
        mine,
        finished,
        stopped: () => interrupted,
        told,
        track: (count) => display?.track(count),
        startsOver: (download) => {
          const warning = warnings.noteStartOver(download)
          if (warning && !options.quiet) {
            if (display) display.warning(warning)
            else if (!options.json) output.out(`warning   ${warning}`)
          }
        },
      },
      emitJson,
      output,
    )
    while (!interrupted && finished.size < mine.size) {
      await new Promise<void>((resolve) => (wake = resolve))
    }
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
  const end: RunEnd = {
    engine,
    usage,
    options,
    output,
    display,
    warnings,
    mine,
    finished,
    rejectedCount,
    removableStateDir,
    tally,
  }
  reports.stop()
  if (interrupted) return await endInterrupted(end, signalExit)
  display?.finish()
  return await endFinished(end)
}
