import type { AddRequest, DownloadSnapshot } from '../../../../shared/protocol/model.ts'
import { errorReason, percentOf } from '../download-list/status-line.ts'
import type { Preview } from './build-preview.ts'
import { againWords as w } from './download-again-strings.ts'

/** What the person chose for a URL the queue holds: leave it, or download it again. */
export type QueuedChoice = 'skip' | 'again'

/**
 * Whether "Download again" is offered for the download already there: only a finished one (the
 * engine refuses a second download of a URL still being downloaded into the same file).
 */
export function canDownloadAgain(d: DownloadSnapshot | undefined): d is DownloadSnapshot {
  return d !== undefined && (d.state === 'completed' || d.state === 'failed')
}

/**
 * Whether the new download takes the old one's place (the old row is removed first, so the
 * file gets its name back): its file is gone, or it failed (its partial data is dropped: a
 * retry is the way to keep it). A completed file still there is never replaced: the new one is
 * saved beside it as `name (1)`.
 */
export function replacesOld(d: DownloadSnapshot): boolean {
  return d.state === 'failed' || (d.state === 'completed' && d.fileMissing === true)
}

/** What the download already there is, in a few words: "Completed 3 days ago, file missing". */
export function describeState(d: DownloadSnapshot | undefined, now: number): string {
  if (d === undefined) return w.gone
  switch (d.state) {
    case 'completed': {
      const when = d.completedAt === null ? '' : ` ${ago(now - d.completedAt)}`
      return `${w.completed}${when}${d.fileMissing ? `, ${w.fileMissing}` : ''}`
    }
    case 'failed':
      return `${w.failed}, ${errorReason(d.error)}`
    case 'paused':
      return withPercent(w.paused, percentOf(d))
    case 'queued':
      return w.queued
    case 'retrying':
      return w.retrying
    case 'removed':
      return w.gone
    default:
      return withPercent(w.downloading, percentOf(d))
  }
}

/** A line the queue holds, in the order it is read: the file, its state, then where it is. */
export type QueuedText = {
  /** The file's name (the URL while the queue no longer holds it). */
  name: string
  /** "Completed 3 days ago, file missing", "Downloading 40 %", "Failed, 404 Not Found". */
  state: string
  /** "in /home/me/Downloads", or the URL: the part that may be cut in its middle. */
  where: string
  /** All of it with the URL: the line's title and accessible description. */
  full: string
}

/**
 * The words of a line whose URL the queue holds. The name and state lead: a narrow dialog cut
 * the URL, which came first, down to "htt…" and the state before "file missing".
 */
export function describeQueued(
  d: DownloadSnapshot | undefined,
  url: string,
  now: number,
): QueuedText {
  const name = d !== undefined && d.name !== '' ? d.name : url
  const state = describeState(d, now)
  const where = d === undefined ? url : w.inDir(d.dir)
  const full = [`${name} — ${state}`, where, ...(where === url ? [] : [url])].join(' · ')
  return { name, state, where, full }
}

function withPercent(text: string, percent: number | null): string {
  return percent === null ? text : `${text} ${percent} %`
}

/** "just now", "5 minutes ago", "3 days ago": the age of a finished download, roughly. */
export function ago(ms: number): string {
  const minutes = Math.floor(Math.max(0, ms) / 60_000)
  if (minutes < 1) return w.justNow
  if (minutes < 60) return w.ago(minutes, 'minute')
  const hours = Math.floor(minutes / 60)
  if (hours < 24) return w.ago(hours, 'hour')
  return w.ago(Math.floor(hours / 24), 'day')
}

/** What "Add" does: the requests to send, and the old rows to remove before (see replacesOld). */
export type AddPlan = {
  requests: AddRequest[]
  /** Old downloads the new ones take the place of. */
  replace: string[]
  /** How many of `requests` are downloads again. */
  again: number
}

/**
 * The plan for the preview and the choices made: every new line, and each line the queue holds
 * that was chosen "again" (and still can be: its download may have started meanwhile) with
 * `onDuplicate: 'again'`.
 */
export function planAdd(
  preview: Pick<Preview, 'requests' | 'queued'>,
  choices: ReadonlyMap<string, QueuedChoice>,
  byId: Readonly<Record<string, DownloadSnapshot>>,
): AddPlan {
  const requests = [...preview.requests]
  const replace: string[] = []
  let again = 0
  for (const q of preview.queued) {
    const existing = byId[q.existingId]
    if (choices.get(q.key) !== 'again' || !canDownloadAgain(existing)) continue
    requests.push({ ...q.request, onDuplicate: 'again' })
    if (replacesOld(existing)) replace.push(existing.id)
    again++
  }
  return { requests, replace, again }
}

/** The lines the queue holds that could be downloaded again. */
export function againable(
  preview: Pick<Preview, 'queued'>,
  byId: Readonly<Record<string, DownloadSnapshot>>,
): string[] {
  return preview.queued.filter((q) => canDownloadAgain(byId[q.existingId])).map((q) => q.key)
}

/**
 * The confirm button: what the plan adds; and when it adds nothing but some lines could be
 * downloaded again, "Download N again" (pressing it chooses that for all of them), never
 * "Nothing to add" while something could be done.
 */
export function confirmAction(
  /** Requests the plan sends, downloads again included. */
  total: number,
  /** Of those, downloads again. */
  again: number,
  /** Lines that could be downloaded again. */
  againable: number,
  paused: boolean,
): { label: string; allAgain: boolean } {
  if (total === 0 && againable > 0) return { label: w.downloadAllAgain(againable), allAgain: true }
  return { label: w.confirm(total, again, paused), allAgain: false }
}

/**
 * The two counts the dialog's button follows while downloads change (one pass, no arrays: it
 * runs on every store update while the dialog is open): lines that could be downloaded again,
 * and of those the ones chosen so.
 */
export function countAgain(
  queued: Preview['queued'],
  choices: ReadonlyMap<string, QueuedChoice>,
  byId: Readonly<Record<string, DownloadSnapshot>>,
): { againable: number; chosen: number } {
  let againable = 0
  let chosen = 0
  for (const q of queued) {
    if (!canDownloadAgain(byId[q.existingId])) continue
    againable++
    if (choices.get(q.key) === 'again') chosen++
  }
  return { againable, chosen }
}
