import { join, resolve } from 'node:path'
import { defaultSettings, type Engine } from '../engine/engine.ts'
import { openEngineInSlot, othersLiveIn } from './open-engine.ts'
import { settingsProblem } from './settings-check.ts'
import type {
  AddRequest,
  DownloadSnapshot,
  DownloadUpdate,
  Settings,
} from '../shared/protocol/model.ts'
import { DownpourError, ERROR_CODES } from '../shared/protocol/errors.ts'
import { isWhole } from '../shared/protocol/download-patch.ts'
import { normalizeUrlKey, parseDownloadUrl, redactUrl } from '../shared/protocol/url.ts'
import { sessionText, writeSessionFile, type SessionItem } from './session-file.ts'
import { streamToStdout } from './stream-to-stdout.ts'
import { readFile } from 'node:fs/promises'
import { loadCredentials } from './request-credentials.ts'
import type { TlsOptions } from '../engine/transfer/http-dispatcher.ts'
import { ProgressDisplay } from './progress-display.ts'
import { EXIT, exitCodeFor } from './exit-codes.ts'
import { checkCompletedFile, removeWrongFile } from './completed-file.ts'
import { CliOutput } from './cli-output.ts'
import { ALREADY_COMPLETE } from '../engine/transfer/existing-file.ts'
import { collectRequests, type Usage } from './collect-requests.ts'
import { proxyProblem } from './proxy-check.ts'
import { DownloadWarnings, interruptLines, summaryLine, withDiskNeed } from './run-summary.ts'
import { defaultStateDir, stateDirProblem } from './state-dir.ts'
import { removeEmptyStateDir } from './state-cleanup.ts'
import { makeDownloadFolder } from '../engine/storage/safe-folder.ts'
import { diskError } from '../engine/storage/disk-error.ts'

export { defaultStateDir } from './state-dir.ts'

export type GetOptions = {
  /** Every `-i` given, in order. */
  inputFile: string[]
  dir: string
  /** aria2's `--save-session FILE`: what did not complete, written on exit (session-file.ts). */
  saveSession?: string
  out?: string
  continue?: boolean
  allowOverwrite?: boolean
  /** False with `--no-auto-file-renaming` (aria2: `--auto-file-renaming=false`). */
  autoFileRenaming?: boolean
  maxConcurrentDownloads: number
  maxConnectionsPerDownload?: number
  /** aria2's `-s/--split`: connections of one download in total (see connectionCap). */
  split?: number
  minSplitSize?: number
  maxTries: number
  retryWait: number
  timeout: number
  lowestSpeedLimit?: number
  maxOverallDownloadLimit?: number
  maxDownloadLimit?: number
  checksum?: string
  header: string[]
  userAgent?: string
  allProxy?: string
  json?: boolean
  quiet?: boolean
  /** Origin marks on the files (wget's and curl's `--xattr`; off by default, as theirs). */
  xattr?: boolean
  stateDir?: string
  referer?: string
  httpUser?: string
  httpPasswd?: string
  netrc?: boolean
  netrcPath?: string
  loadCookies?: string
  caCertificate?: string
  /** False with `--no-check-certificate` (aria2: `--check-certificate=false`). */
  checkCertificate?: boolean
}

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

/** What a run did with what it was given (the `run/summary` event; the last line's counts). */
type Tally = { completed: number; failed: number; rejected: number; interrupted: boolean }

async function get(
  urls: string[],
  options: GetOptions,
  output: CliOutput,
  tally: Tally,
): Promise<number> {
  const dir = resolve(options.dir)
  const toStdout = options.out === '-'
  if (toStdout && (urls.length !== 1 || options.inputFile.length > 0)) {
    output.error('-o - (write to stdout) needs exactly one URL argument (and no -i)')
    return EXIT.usage
  }
  if (toStdout && options.saveSession !== undefined) {
    output.error('--save-session keeps no session for -o - (write to stdout)')
    return EXIT.usage
  }
  if (toStdout && options.json) {
    output.error('--json and -o - both write to stdout: use one of them')
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

  // Every setting is given, defaults included: the queue file keeps settings between runs,
  // and a flag left out this time must mean its default, not whatever an earlier run used.
  const settings: Settings = defaultSettings({
    defaultDir: dir,
    maxConcurrentDownloads: options.maxConcurrentDownloads,
    // `-j 16` means 16 at once even when every URL is on one host, and `-x 16` means 16
    // connections (as in aria2): the per-host cap grows to what was asked for.
    maxConnectionsPerHost: Math.max(
      defaultSettings().maxConnectionsPerHost,
      options.maxConcurrentDownloads,
      options.maxConnectionsPerDownload ?? 0,
    ),
    maxTries: options.maxTries,
    retryWaitMs: Math.round(options.retryWait * 1000),
    timeoutMs: Math.max(100, Math.round(options.timeout * 1000)),
    lowestSpeedLimit: options.lowestSpeedLimit ?? 0,
    maxOverallDownloadLimit: options.maxOverallDownloadLimit ?? 0,
    proxy: options.allProxy ?? null,
    ...(options.maxConnectionsPerDownload
      ? { maxConnectionsPerDownload: options.maxConnectionsPerDownload }
      : {}),
    ...(options.minSplitSize ? { minSplitSize: options.minSplitSize } : {}),
    ...(options.userAgent ? { userAgent: options.userAgent } : {}),
  })
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
  })
  slot = opened.stateDir
  const engine = opened.engine
  // The default location only (see removeEmptyStateDir): a named folder is the person's.
  const removable = options.stateDir === undefined ? slot : null
  return await drive(engine, usage, options, output, told, removable, tally)
}

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
  // Found complete at their names (the engine's log says so before the state changes).
  const alreadyThere = new Set<string>()
  let wake: () => void = () => {}

  let reporting = true
  // A failure is said once, when it happens, on stderr (not by the display on stdout and again
  // at the end); the live rows step aside for it.
  const reportFailure = (d: DownloadSnapshot) => {
    const what = d.state === 'paused' ? 'paused' : 'failed'
    const message = withoutUrl(d.error?.message ?? 'unknown error', d.url)
    const line = `${what} ${d.url}: ${withDiskNeed(withAdvice(message), d)}`
    if (display) display.interject(() => output.error(line))
    else output.error(line)
  }
  // The engine batches changes (a pause of many is one event); the JSON lines stay one per
  // download, the format scripts read.
  engine.on('download/changed', (e) => {
    if (!reporting) return
    for (const change of e.changes) {
      if (!mine.has(change.download.id)) continue
      const { previousState } = change
      // A patch (a bulk command's) names only what changed; the lines and the display show the
      // download whole, which this process's engine has at hand.
      const download = isWhole(change.download) ? change.download : engine.peek(change.download.id)
      if (!download) continue
      // A same-state change of an ended download (a field cleared after it failed, a rerun's
      // option update) tells a script nothing: one event per ending (docs/cli-json.md).
      const repeat = previousState === download.state && ENDED_STATES.has(download.state)
      if (options.json && !repeat)
        emitJson('download/changed', { revision: e.revision, download, previousState })
      if (output.listening) display?.changed(download, previousState, alreadyThere.has(download.id))
      const warning = warnings.noteSnapshot(download)
      if (warning && download.state !== 'completed') display?.warning(warning)
      // A transition only: a rerun's option update re-announces a failed download unchanged.
      const ended =
        download.state === 'completed' || download.state === 'failed' || pausedByEngine(download)
      if (ended && previousState !== download.state) {
        finished.set(download.id, download)
        if (download.state !== 'completed') reportFailure(download)
        wake()
      }
    }
  })
  engine.on('progress/beat', (e) => {
    if (options.json && e.items.some((item) => mine.has(item.id))) emitJson('progress/beat', e)
    if (output.listening) display?.beat(e)
  })
  engine.on('log/entry', (e) => {
    if (e.id !== null && !mine.has(e.id)) return
    if (options.json) emitJson('log/entry', e)
    if (e.id !== null && e.level === 'info' && e.message.includes(`: ${ALREADY_COMPLETE}:`))
      alreadyThere.add(e.id)
    // A download's warnings are shown as they happen and again in the summary.
    const warning = warnings.note(e)
    if (warning && reporting) display?.warning(warning)
    else if (!options.quiet && (e.level !== 'info' || display) && e.id === null)
      display?.message(e.message)
  })

  // Listening before the list is added: Ctrl-C while a 100,000-URL list is still being added
  // (its first downloads already running) pauses cleanly too, instead of killing the process.
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

  if (interrupted) {
    // Ctrl-C pauses: every received byte is made durable, and the next run resumes where the
    // server allows it; where it does not, the message says so instead of promising a resume.
    reporting = false
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
      rejected: usage.problems.length + rejectedCount,
      interrupted: true,
    })
    if (!(await saveSession(left, usage, options, output))) return EXIT.failed
    return signalExit
  }

  display?.finish()
  reporting = false
  const failed = [...finished.values()].filter((d) => d.state === 'failed' || pausedByEngine(d))
  // A finished run leaves no queue behind; failed downloads stay so a rerun retries them.
  const completed = [...finished.values()].filter((d) => d.state === 'completed').map((d) => d.id)
  await engine.remove({ ids: completed })
  // Nothing paused or failed here, from this run or an earlier one: no queue to keep.
  const kept = (await engine.snapshot()).downloads
  const empty = kept.length === 0
  await engine.close()
  const left = kept.filter((d) => mine.has(d.id))
  if (empty && removableStateDir) await removeEmptyStateDir(removableStateDir)
  const rejected = usage.problems.length + rejectedCount
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

/**
 * aria2's `-s N` and `-x M`: a download uses at most N connections in all and M per server. A
 * Downpour download's connections, to its URL and its mirrors alike, count against one cap (its
 * URL's host), so both cap the same number and the smaller wins; `-s` alone caps the default.
 */
function connectionCap(options: GetOptions): GetOptions {
  if (options.split === undefined) return options
  const perServer = options.maxConnectionsPerDownload ?? defaultSettings().maxConnectionsPerDownload
  return { ...options, maxConnectionsPerDownload: Math.min(perServer, options.split) }
}

/** `--ca-certificate` read and checked, `--check-certificate=false`; the reason it cannot be used. */
async function tlsOptions(
  options: GetOptions,
): Promise<{ tls: TlsOptions | null } | { problem: string }> {
  const verify = options.checkCertificate !== false
  if (options.caCertificate === undefined) return { tls: verify ? null : { ca: null, verify } }
  const ca = await readFile(options.caCertificate, 'utf8').catch((error: Error) => error)
  if (typeof ca !== 'string')
    return { problem: `cannot read the CA certificate ${options.caCertificate}: ${ca.message}` }
  if (!ca.includes('-----BEGIN CERTIFICATE-----'))
    return { problem: `--ca-certificate ${options.caCertificate} holds no PEM certificate` }
  return { tls: { ca, verify } }
}

/**
 * The engine's message ends "… for URL" (the URL it asked); the line already begins with the
 * download's URL, so the same URL is not said twice. A redirect's other URL stays.
 */
function withoutUrl(message: string, url: string): string {
  return message.endsWith(` for ${url}`) ? message.slice(0, -` for ${url}`.length) : message
}

/** A failed TLS check says what to do about it with this program's flags. */
function withAdvice(message: string): string {
  return message.startsWith('TLS verification failed')
    ? `${message} (trust its CA with --ca-certificate=FILE, or skip the check with --check-certificate=false)`
    : message
}

/** `-o -`: the body on stdout, every message on stderr, no engine and no file (stream-to-stdout.ts). */
async function toStandardOutput(
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

/** States a download of a run ends in (paused: by the engine, for a full disk). */
const ENDED_STATES: ReadonlySet<string> = new Set(['completed', 'failed', 'paused'])

/**
 * The engine paused a download itself (a full disk: it keeps the data and waits for space):
 * for a one-shot run that is the end, reported like a failure; the next run resumes it.
 */
function pausedByEngine(download: DownloadSnapshot): boolean {
  return download.state === 'paused' && download.error !== null
}

/** What a rerun asks for now replaces what the earlier run stored (cleared when left out). */
function rerunOptions(id: string, request: AddRequest): DownloadUpdate {
  return {
    id,
    checksum: request.checksum ?? null,
    headers: request.headers ?? {},
    maxTries: request.maxTries ?? null,
    maxConnections: request.maxConnections ?? null,
    speedLimit: request.speedLimit ?? 0,
    ...(request.ifExists ? { ifExists: request.ifExists } : {}),
  }
}

/**
 * Adds the downloads; a URL this folder's queue already has continues that download instead.
 * Its own function so the add result and the queue snapshot (thousands of entries for a long
 * list) are garbage once it returns. Returns how many were rejected for other reasons.
 */
async function enqueue(
  engine: Engine,
  usage: Usage,
  options: GetOptions,
  {
    mine,
    finished,
    stopped,
    told,
    track,
    startsOver,
  }: {
    mine: Set<string>
    finished: Map<string, DownloadSnapshot>
    stopped: () => boolean
    told: Told
    /** `count` more downloads of this run are on their way (queued, or resumed). */
    track: (count: number) => void
    /** An earlier run's download that this run takes up from zero (see enqueueChunk). */
    startsOver: (download: DownloadSnapshot) => void
  },
  emitJson: (event: string, payload: object) => void,
  output: CliOutput,
): Promise<number> {
  let rejectedCount = 0
  for (let round = 0; ; round++) {
    const first = round === 0
    // The downloads of the chunks before start meanwhile: a 100,000-URL list (or its rerun)
    // has its first bytes coming in while the rest is still being parsed and added.
    if (!first) await new Promise((resolve) => setImmediate(resolve))
    // Interrupted: what is not in the queue yet is added by the rerun.
    if (stopped()) break
    const size = chunkSize(round)
    if (usage.requests.length < size) {
      usage.readMore(size - usage.requests.length)
      tellNew(usage, told, output)
    }
    if (usage.requests.length === 0) break
    // Taken off the list: a chunk's requests are garbage once it is added (100,000 of them
    // held for the whole run were tens of MB).
    const chunk = {
      requests: usage.requests.splice(0, size),
      labels: usage.labels.splice(0, size),
    }
    rejectedCount += await enqueueChunk(
      engine,
      chunk,
      options,
      { mine, finished, track, startsOver },
      emitJson,
      output,
    )
  }
  return rejectedCount
}

const ENQUEUE_CHUNK = 2000
/**
 * The first chunk is small and each next one twice as large, up to ENQUEUE_CHUNK: the first
 * downloads start after 250 requests are added (and, on a rerun, matched, updated and resumed),
 * not 2,000 — the rerun of a 100,000-URL list spent ~0.3 s of CPU on its first chunk.
 */
const FIRST_CHUNK = 250

/** How many requests the chunk of this round (0, 1, …) adds. */
export function chunkSize(round: number): number {
  return round >= 4 ? ENQUEUE_CHUNK : Math.min(ENQUEUE_CHUNK, FIRST_CHUNK * 2 ** round)
}

/** How many refused and merged lines were told so far, and whether as `--json` events too. */
type Told = { problems: number; merged: number; notes: number; json: boolean }

/**
 * Tells the refused, merged and partly applied lines found since the last call (lists are read
 * in pieces): a line each on stderr, and with `--json` an `input/rejected`, `input/merged` or
 * `input/note` event each.
 */
function tellNew(usage: Usage, told: Told, output: CliOutput) {
  for (; told.problems < usage.problems.length; told.problems++) {
    const { input, message } = usage.problems[told.problems]!
    output.error(`${input}: ${message}`)
    if (told.json) output.json('input/rejected', { input, message })
  }
  for (; told.merged < usage.merged.length; told.merged++) {
    const { input, message } = usage.merged[told.merged]!
    output.error(`${input}: ${message}`)
    if (told.json) output.json('input/merged', { input, message })
  }
  for (; told.notes < usage.notes.length; told.notes++) {
    const { input, message } = usage.notes[told.notes]!
    output.error(`${input}: ${message}`)
    if (told.json) output.json('input/note', { input, message })
  }
}

async function enqueueChunk(
  engine: Engine,
  { requests, labels }: { requests: AddRequest[]; labels: string[] },
  options: GetOptions,
  {
    mine,
    finished,
    track,
    startsOver,
  }: {
    mine: Set<string>
    finished: Map<string, DownloadSnapshot>
    track: (count: number) => void
    startsOver: (download: DownloadSnapshot) => void
  },
  emitJson: (event: string, payload: object) => void,
  output: CliOutput,
): Promise<number> {
  const result = await engine.add(requests)
  let rejectedCount = 0
  for (const d of result.added) mine.add(d.id)
  // Announced before anything else is awaited: no change of theirs comes before their added.
  if (options.json) for (const d of result.added) emitJson('download/added', { download: d })
  // A rerun continues the earlier downloads with the options given now (replacing the stored
  // ones), in one command each (update, resume, retry): per-download calls made a 100,000-URL
  // rerun quadratic. The update's answer says what state each download is in.
  const duplicates = result.rejected.filter(
    (r) => r.error.code === ERROR_CODES.duplicate && r.existingId,
  )
  const updated = duplicates.length
    ? await engine.update(duplicates.map((r) => rerunOptions(r.existingId!, requests[r.index]!)))
    : { updated: [] }
  const byId = new Map(updated.updated.map((d) => [d.id, d]))
  const rerun = { resume: [] as string[], retry: [] as string[] }
  const completed: { existing: DownloadSnapshot; index: number }[] = []
  for (const rejection of result.rejected) {
    const existing = rejection.existingId ? byId.get(rejection.existingId) : undefined
    if (rejection.error.code === ERROR_CODES.duplicate && existing) {
      // The same command ran before: continue that download instead of starting over.
      mine.add(existing.id)
      // Not resumable (no length, or no ranges): what the earlier run received is not continued
      // — the engine's queue keeps no durable byte count for it — so it begins at zero: said,
      // not left for the person to find in the speed of the second run.
      if (existing.state !== 'completed' && existing.resumable === false) startsOver(existing)
      if (existing.state === 'completed') completed.push({ existing, index: rejection.index })
      else if (existing.state === 'paused') rerun.resume.push(existing.id)
      else if (existing.state === 'failed') rerun.retry.push(existing.id)
      continue
    }
    rejectedCount++
    output.error(`${labels[rejection.index]}: ${rejection.error.message}`)
    if (options.json)
      emitJson('input/rejected', {
        input: labels[rejection.index],
        message: rejection.error.message,
        code: rejection.error.code,
      })
  }
  // The interrupted downloads go first: they start while the completed ones' files are looked
  // for (a rerun's list begins with what the first run completed: one file check each).
  track(result.added.length + rerun.resume.length + rerun.retry.length)
  if (options.json)
    for (const id of [...rerun.resume, ...rerun.retry])
      emitJson('download/continued', { download: byId.get(id)! })
  if (rerun.resume.length) await engine.resume({ ids: rerun.resume })
  if (rerun.retry.length) await engine.retry({ ids: rerun.retry })
  // Completed earlier but the file is gone or no longer the one completed: download it again
  // as a new download (a wrong file at its name is replaced, and the reason said).
  const again = { remove: [] as string[], add: [] as AddRequest[], labels: [] as string[] }
  const found = await Promise.all(completed.map(({ existing }) => checkCompletedFile(existing)))
  for (const [i, { existing, index }] of completed.entries()) {
    const check = found[i]!
    if (check === 'ok') {
      finished.set(existing.id, existing)
      if (options.json) emitJson('download/already-complete', { download: existing })
      else if (!options.quiet) output.out(`done      ${existing.name} (already downloaded)`)
      continue
    }
    if (check !== 'missing') {
      output.error(
        `${join(existing.dir, existing.name)} ${check.problem}; downloading it again${check.replaceable ? ' in its place' : ''}`,
      )
      if (check.replaceable) await removeWrongFile(existing)
    }
    mine.delete(existing.id)
    again.remove.push(existing.id)
    // `again`: an older download of the URL may still be listed (the window's or an aria2
    // client's "download again"); it is history, and `skip` would drop this one silently.
    again.add.push({ ...requests[index]!, onDuplicate: 'again' })
    again.labels.push(labels[index]!)
  }
  if (again.remove.length) {
    await engine.remove({ ids: again.remove })
    const readded = await engine.add(again.add)
    for (const d of readded.added) mine.add(d.id)
    if (options.json) for (const d of readded.added) emitJson('download/added', { download: d })
    track(readded.added.length)
    for (const rejection of readded.rejected) {
      rejectedCount++
      output.error(`${again.labels[rejection.index]}: ${rejection.error.message}`)
      if (options.json)
        emitJson('input/rejected', {
          input: again.labels[rejection.index],
          message: rejection.error.message,
          code: rejection.error.code,
        })
    }
  }
  return rejectedCount
}
