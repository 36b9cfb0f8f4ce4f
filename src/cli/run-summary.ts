import { formatBytes } from '../shared/format.ts'
import { ERROR_CODES } from '../shared/protocol/errors.ts'
import type { EngineEvents } from '../shared/protocol/events.ts'
import type { DownloadSnapshot } from '../shared/protocol/model.ts'

/** The last line of a run: what happened to everything it was given. */
export function summaryLine(completed: number, failed: number, rejected: number): string {
  return `${completed} completed, ${failed} failed${rejected ? `, ${rejected} rejected` : ''}`
}

/**
 * What Ctrl-C tells the person, true for each download: a paused download whose server does not
 * support ranges cannot resume (the rerun starts it over), so it is named as such instead of
 * promising a resume.
 */
export function interruptLines(paused: readonly DownloadSnapshot[]): string[] {
  const stuck = paused.filter((d) => d.resumable === false && d.done > 0)
  const unsure = paused.filter((d) => d.resumable === null && d.done > 0)
  const lines = [
    ...stuck.map(
      (d) =>
        `cannot resume ${d.name}: ${notResumableBecause(d)}; running the same command again starts it over`,
    ),
    ...unsure.map(
      (d) =>
        `may not resume ${d.name}: the server did not say it supports ranges; running the same command again tries, and starts it over if it cannot`,
    ),
  ]
  const resumable = paused.filter((d) => d.resumable === true && d.done > 0).length
  if (resumable > 0)
    lines.unshift('interrupted; partial data kept, run the same command again to resume')
  else if (stuck.length + unsure.length === 0)
    // Nothing was received yet: no partial data to speak of.
    lines.unshift('interrupted; run the same command again to continue')
  else lines.unshift('interrupted')
  return lines
}

/**
 * A download the disk filled up under (ENOSPC while writing: the free-space check before it
 * started saw room, then something else took it) says how much more room it needs, so the
 * person knows what to free: the rest of the file (the bytes in its `.part` already hold their
 * blocks, also when written again). Not "kept": the rerun continues from the last checkpoint,
 * and what arrived after it is fetched again (a full disk takes no new control file). The free
 * figure is left out: at ENOSPC it is nil by definition. A refusal before the start ("Not
 * enough space: needs …, … free on …") says both already and is left as it is.
 */
export function withDiskNeed(message: string, d: DownloadSnapshot): string {
  if (d.error?.code !== ERROR_CODES.diskFull || !message.startsWith('Disk full')) return message
  if (d.size === null || d.size <= d.done) return message
  return `${message} (needs ${formatBytes(d.size - d.done)} more)`
}

/**
 * A chunked answer has no length: nothing can record which bytes of the file are durable, so a
 * pause or a new run starts it over — even from a server that says `Accept-Ranges: bytes` (it
 * does ranges; it did not say how long the file is). Not "does not support ranges": it may.
 */
const NO_LENGTH = 'the server sent no length (a chunked answer)'

/** Why a paused download cannot resume, in words true for it. */
function notResumableBecause(d: DownloadSnapshot): string {
  return d.size === null ? NO_LENGTH : 'the server does not support ranges'
}

/**
 * Warnings about a download the person should see beside its result (saved compressed as sent,
 * started over because the file changed, cannot resume), each once. Retry notices are not
 * among them: they carry the failed try's error and the display shows retries already.
 */
export class DownloadWarnings {
  #seen = new Set<string>()
  #entries: { id: string; message: string; onlyUnfinished: boolean }[] = []

  /** Records the entry when it is such a warning; returns its text when it is new. */
  note(entry: EngineEvents['log/entry']): string | null {
    if (entry.level !== 'warn' || entry.id === null || entry.error) return null
    return this.#add(entry.id, entry.message, false)
  }

  /**
   * A download found not to be resumable (the server ignores ranges): worth knowing while it runs
   * (pausing or a lost connection starts it over), and in the summary if it did not complete.
   */
  noteSnapshot(download: DownloadSnapshot): string | null {
    if (download.resumable !== false) return null
    return this.#add(
      download.id,
      download.size === null
        ? `${download.name}: ${NO_LENGTH}: pausing starts it over; a lost connection is continued where the server honours a Range`
        : `${download.name}: not resumable: the server does not support ranges, so pausing or a lost connection starts it over`,
      true,
    )
  }

  /**
   * An unfinished download of an earlier run that cannot resume, taken up by this one: it starts
   * again from zero (said once; the "not resumable" warning is then not said again).
   */
  noteStartOver(download: DownloadSnapshot): string | null {
    return this.#add(
      download.id,
      `${download.name}: ${notResumableBecause(download)}: what an earlier run received cannot be continued; downloading it again from the start`,
      true,
    )
  }

  /** The run's warnings, in order; those that only matter unfinished are left out for `completed`. */
  lines(completed: ReadonlySet<string>): string[] {
    return this.#entries
      .filter((e) => !(e.onlyUnfinished && completed.has(e.id)))
      .map((e) => e.message)
  }

  #add(id: string, message: string, onlyUnfinished: boolean): string | null {
    const key = `${id}\u0000${onlyUnfinished ? 'not-resumable' : message}`
    if (this.#seen.has(key)) return null
    this.#seen.add(key)
    this.#entries.push({ id, message, onlyUnfinished })
    return message
  }
}
