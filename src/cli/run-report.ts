import type { Engine } from '../engine/engine.ts'
import { ALREADY_COMPLETE } from '../engine/transfer/existing-file.ts'
import { isWhole } from '../shared/protocol/download-patch.ts'
import type { DownloadSnapshot } from '../shared/protocol/model.ts'
import type { CliOutput } from './cli-output.ts'
import type { GetOptions } from './get-options.ts'
import type { ProgressDisplay } from './progress-display.ts'
import { pausedByEngine } from './run-outcome.ts'
import { withDiskNeed, type DownloadWarnings } from './run-summary.ts'

/** What a run watches of the engine's events, and what it fills in as its downloads end. */
export type RunWatch = {
  /** The run's downloads (events of others in the same queue are not its to tell). */
  mine: ReadonlySet<string>
  /** Its downloads that ended, in the order they ended. */
  finished: Map<string, DownloadSnapshot>
  warnings: DownloadWarnings
  /** The live rows; null with `--json` or `--quiet`. */
  display: ProgressDisplay | null
  /** Called when one of them ended (completed, failed, paused by the engine). */
  ended(): void
}

/**
 * A run's reports while it runs: the live rows, the `--json` events, a failure's line on
 * stderr when it happens, and the warnings. `stop()` ends the reports of changes (the run's own
 * pause at its end, its removal of what completed, say nothing).
 */
export function reportRun(
  engine: Engine,
  options: GetOptions,
  output: CliOutput,
  { mine, finished, warnings, display, ended: wake }: RunWatch,
): { stop(): void } {
  const emitJson = (event: string, payload: object) => output.json(event, payload)
  // Found complete at their names (the engine's log says so before the state changes).
  const alreadyThere = new Set<string>()
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
  return { stop: () => (reporting = false) }
}

/** States a download of a run ends in (paused: by the engine, for a full disk). */
const ENDED_STATES: ReadonlySet<string> = new Set(['completed', 'failed', 'paused'])

/**
 * The engine's message ends "… for URL" (the URL it asked); the line already begins with the
 * download's URL, so the same URL is not said twice. A redirect's other URL stays.
 */
function withoutUrl(message: string, url: string): string {
  return message.endsWith(` for ${url}`) ? message.slice(0, -` for ${url}`.length) : message
}

/** A failed TLS check says what to do about it with this program's flags. */
export function withAdvice(message: string): string {
  return message.startsWith('TLS verification failed')
    ? `${message} (trust its CA with --ca-certificate=FILE, or skip the check with --check-certificate=false)`
    : message
}
