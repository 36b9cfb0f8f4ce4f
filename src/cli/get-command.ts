import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { defaultSettings, type Engine } from '../engine/engine.ts'
import { openEngineWaiting } from './open-engine.ts'
import { parseChecksumSpec } from '../engine/checksum/hash-file.ts'
import type {
  AddRequest,
  DownloadSnapshot,
  DownloadUpdate,
  Settings,
} from '../shared/protocol/model.ts'
import { ERROR_CODES } from '../shared/protocol/errors.ts'
import { parseDownloadUrl } from '../shared/protocol/url.ts'
import { parseHeader, parseInputFile } from './input-file.ts'
import { ProgressDisplay } from './progress-display.ts'
import { EXIT } from './exit-codes.ts'
import { fileExists } from '../engine/storage/file-exists.ts'

export type GetOptions = {
  inputFile?: string
  dir: string
  out?: string
  maxConcurrentDownloads: number
  maxConnectionsPerDownload?: number
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
  stateDir?: string
}

type Usage = { requests: AddRequest[]; labels: string[]; problems: string[]; fatal: string | null }

/**
 * `downpour get`: adds the URLs to an engine whose queue lives in a per-folder state dir, so
 * running the same command again after Ctrl-C or kill -9 resumes instead of starting over.
 */
export async function runGet(urls: string[], options: GetOptions): Promise<number> {
  const stderr = process.stderr
  const dir = resolve(options.dir)
  const usage = await collectRequests(urls, options, dir)
  for (const problem of usage.problems) stderr.write(`downpour: ${problem}\n`)
  if (usage.fatal) {
    stderr.write(`downpour: ${usage.fatal}\n`)
    return EXIT.usage
  }
  if (usage.requests.length === 0) {
    stderr.write(
      `downpour: nothing to download${usage.problems.length ? ' (every input line was rejected)' : ' (give URLs or -i FILE)'}\n`,
    )
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
  // One engine per state folder: a second run on the same folder waits for the first.
  const engine = await openEngineWaiting(
    { stateDir: options.stateDir ?? defaultStateDir(dir), settings },
    (message) => stderr.write(`downpour: ${message}\n`),
  )
  return await drive(engine, usage, options)
}

async function drive(engine: Engine, usage: Usage, options: GetOptions): Promise<number> {
  const stdout = process.stdout
  const display = options.json || options.quiet ? null : new ProgressDisplay(stdout)
  const emitJson = (event: string, payload: unknown) =>
    stdout.write(JSON.stringify({ event, ...(payload as object) }) + '\n')
  const mine = new Set<string>()
  const finished = new Map<string, DownloadSnapshot>()
  let wake: () => void = () => {}

  let reporting = true
  engine.on('download/changed', (e) => {
    if (!reporting || !mine.has(e.download.id)) return
    if (options.json) emitJson('download/changed', e)
    display?.changed(e.download, e.previousState)
    // A transition only: a rerun's option update re-announces a failed download unchanged.
    const ended = e.download.state === 'completed' || e.download.state === 'failed'
    if (ended && e.previousState !== e.download.state) {
      finished.set(e.download.id, e.download)
      wake()
    }
  })
  engine.on('progress/beat', (e) => {
    if (options.json && e.items.some((item) => mine.has(item.id))) emitJson('progress/beat', e)
    display?.beat(e)
  })
  engine.on('log/entry', (e) => {
    if (e.id !== null && !mine.has(e.id)) return
    if (options.json) emitJson('log/entry', e)
    else if (!options.quiet && (e.level !== 'info' || display) && e.id === null)
      display?.message(e.message)
  })

  const rejectedCount = await enqueue(engine, usage, options, mine, finished, emitJson)

  let interrupted = false
  const onSignal = () => {
    if (interrupted) process.exit(EXIT.interrupted)
    interrupted = true
    wake()
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  try {
    while (!interrupted && finished.size < mine.size) {
      await new Promise<void>((resolve) => (wake = resolve))
    }
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }

  if (interrupted) {
    // Ctrl-C pauses: every received byte is made durable, and the next run resumes.
    await engine.pause({ ids: [...mine] })
    await engine.close()
    display?.finish()
    if (!options.quiet)
      process.stderr.write(
        'downpour: interrupted; partial data kept, run the same command again to resume\n',
      )
    return EXIT.interrupted
  }

  display?.finish()
  reporting = false
  const failed = [...finished.values()].filter((d) => d.state === 'failed')
  for (const d of failed)
    process.stderr.write(`downpour: failed ${d.url}: ${d.error?.message ?? 'unknown error'}\n`)
  // A finished run leaves no queue behind; failed downloads stay so a rerun retries them.
  const completed = [...finished.values()].filter((d) => d.state === 'completed').map((d) => d.id)
  await engine.remove({ ids: completed })
  await engine.close()
  if (!options.quiet && !options.json) {
    process.stdout.write(
      `${completed.length} completed, ${failed.length} failed${rejectedCount ? `, ${rejectedCount} rejected` : ''}\n`,
    )
  }
  return failed.length > 0 || rejectedCount > 0 || usage.problems.length > 0 ? EXIT.failed : EXIT.ok
}

async function collectRequests(urls: string[], options: GetOptions, dir: string): Promise<Usage> {
  const usage: Usage = { requests: [], labels: [], problems: [], fatal: null }
  const headers: Record<string, string> = {}
  for (const text of options.header) {
    const header = parseHeader(text)
    if (!header) return { ...usage, fatal: `--header must be "Name: value", got "${text}"` }
    headers[header[0]] = header[1]
  }
  const checksum = options.checksum ? parseChecksumSpec(options.checksum) : undefined
  if (checksum === null)
    return {
      ...usage,
      fatal: `--checksum must be ALGO=HEX (sha-256, sha-1 or md5 with a full-length hex digest), got "${options.checksum}"`,
    }
  const common = (request: AddRequest): AddRequest => ({
    ...request,
    dir,
    ...(Object.keys(headers).length ? { headers: { ...headers, ...request.headers } } : {}),
    ...(options.maxDownloadLimit ? { speedLimit: options.maxDownloadLimit } : {}),
  })
  urls.forEach((url, i) => {
    try {
      parseDownloadUrl(url)
      usage.requests.push(common({ url, ...(checksum ? { checksum } : {}) }))
      usage.labels.push(url)
    } catch (error) {
      usage.problems.push(`argument ${i + 1}: ${(error as Error).message}`)
    }
  })
  if (options.inputFile) {
    let text: string
    try {
      text =
        options.inputFile === '-' ? await readStdin() : await readFile(options.inputFile, 'utf8')
    } catch (error) {
      return {
        ...usage,
        fatal: `cannot read input file ${options.inputFile}: ${(error as Error).message}`,
      }
    }
    const label = options.inputFile === '-' ? 'stdin' : options.inputFile
    const parsed = parseInputFile(text)
    for (const p of parsed.problems) usage.problems.push(`${label}:${p.line}: ${p.message}`)
    for (const entry of parsed.entries) {
      usage.requests.push(common(entry.request))
      usage.labels.push(`${label}:${entry.line}`)
    }
  }
  if (options.out !== undefined) {
    if (usage.requests.length !== 1) return { ...usage, fatal: '-o/--out needs exactly one URL' }
    usage.requests[0]!.name = options.out
  }
  return usage
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
  }
}

/** One resumable queue per destination folder, outside it (the folder stays clean). */
export function defaultStateDir(dir: string): string {
  const base = process.env.XDG_STATE_HOME || join(homedir(), '.local', 'state')
  return join(base, 'downpour', 'cli', createHash('sha256').update(dir).digest('hex').slice(0, 16))
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
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
  mine: Set<string>,
  finished: Map<string, DownloadSnapshot>,
  emitJson: (event: string, payload: unknown) => void,
): Promise<number> {
  let rejectedCount = 0
  for (let from = 0; from < usage.requests.length; from += ENQUEUE_CHUNK) {
    // The downloads of the chunks before start meanwhile: a 100,000-URL list (or its rerun)
    // has its first bytes coming in while the rest is still being added.
    if (from > 0) await new Promise((resolve) => setImmediate(resolve))
    const to = Math.min(from + ENQUEUE_CHUNK, usage.requests.length)
    rejectedCount += await enqueueChunk(engine, usage, from, to, options, mine, finished, emitJson)
  }
  return rejectedCount
}

const ENQUEUE_CHUNK = 2000

async function enqueueChunk(
  engine: Engine,
  usage: Usage,
  from: number,
  to: number,
  options: GetOptions,
  mine: Set<string>,
  finished: Map<string, DownloadSnapshot>,
  emitJson: (event: string, payload: unknown) => void,
): Promise<number> {
  const result = await engine.add(usage.requests.slice(from, to))
  let rejectedCount = 0
  for (const d of result.added) mine.add(d.id)
  // A rerun continues the earlier downloads with the options given now (replacing the stored
  // ones), in one command each (update, resume, retry): per-download calls made a 100,000-URL
  // rerun quadratic. The update's answer says what state each download is in.
  const duplicates = result.rejected.filter(
    (r) => r.error.code === ERROR_CODES.duplicate && r.existingId,
  )
  const updated = duplicates.length
    ? await engine.update(
        duplicates.map((r) => rerunOptions(r.existingId!, usage.requests[from + r.index]!)),
      )
    : { updated: [] }
  const byId = new Map(updated.updated.map((d) => [d.id, d]))
  const rerun = { resume: [] as string[], retry: [] as string[] }
  // Completed earlier but the file is gone: download it again as a new download.
  const again = { remove: [] as string[], add: [] as AddRequest[] }
  for (const rejection of result.rejected) {
    const existing = rejection.existingId ? byId.get(rejection.existingId) : undefined
    if (rejection.error.code === ERROR_CODES.duplicate && existing) {
      // The same command ran before: continue that download instead of starting over.
      mine.add(existing.id)
      if (existing.state === 'completed' && (await fileExists(join(existing.dir, existing.name)))) {
        finished.set(existing.id, existing)
        if (!options.quiet && !options.json)
          process.stdout.write(`done      ${existing.name} (already downloaded)\n`)
        continue
      }
      if (existing.state === 'completed') {
        mine.delete(existing.id)
        again.remove.push(existing.id)
        again.add.push(usage.requests[from + rejection.index]!)
        continue
      }
      if (existing.state === 'paused') rerun.resume.push(existing.id)
      else if (existing.state === 'failed') rerun.retry.push(existing.id)
      continue
    }
    rejectedCount++
    process.stderr.write(
      `downpour: ${usage.labels[from + rejection.index]}: ${rejection.error.message}\n`,
    )
  }
  if (again.remove.length) {
    await engine.remove({ ids: again.remove })
    for (const d of (await engine.add(again.add)).added) mine.add(d.id)
  }
  if (rerun.resume.length) await engine.resume({ ids: rerun.resume })
  if (rerun.retry.length) await engine.retry({ ids: rerun.retry })
  for (const d of result.added) if (options.json) emitJson('download/added', { download: d })
  return rejectedCount
}
