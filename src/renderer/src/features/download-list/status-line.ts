import { ERROR_CODES } from '../../../../shared/protocol/errors.ts'
import type { DownloadError, DownloadSnapshot } from '../../../../shared/protocol/model.ts'
import { t } from '../../strings.ts'

/** How the status line is coloured: a hue per kind of situation, never colour alone. */
export type StatusTone = 'neutral' | 'active' | 'waiting' | 'paused' | 'done' | 'error'

export type StatusLine = { text: string; tone: StatusTone }

export type StatusContext = {
  /** 1-based place among queued downloads (state `queued` only). */
  position: number | null
  /** True when slots are free overall, so a queued download waits for its host's limit. */
  hostBlocked: boolean
  now: number
  /** The engine's clock at `now` (for `lastByteAt`); `now` when they are one clock. */
  engineNow?: number
}

/** A running download with connections open and no bytes for this long is called stalled. */
export const STALLED_AFTER_MS = 5000

/**
 * The line under a download's name that answers "why is it not moving?". Pure: a snapshot and
 * the queue context in, words out (tested for every state).
 */
export function statusLine(d: DownloadSnapshot, ctx: StatusContext): StatusLine {
  switch (d.state) {
    case 'queued':
      return ctx.hostBlocked
        ? { text: t.status.waitingForHost(hostOf(d.url)), tone: 'waiting' }
        : { text: t.status.queued(ctx.position ?? 1), tone: 'waiting' }
    case 'probing':
      // The engine says `downloading` once the server answered; an engine from before that
      // change kept `probing` while bytes flowed, so moving data still reads as downloading.
      return isMoving(d)
        ? { text: t.status.downloading, tone: 'active' }
        : { text: t.status.connecting, tone: 'active' }
    case 'downloading':
      // Running but moving no bytes (an 80 % download at 0 B/s) with no connection open: it
      // waits for one (its host's connection limit, or connecting again). With connections
      // open a 0 is not told apart from the first beats after a start (the speed meter starts
      // at 0), so "stalled" is not claimed from a snapshot alone.
      if (d.connections === 0 && d.done > 0 && d.speed === 0)
        return { text: t.status.waitingForConnection(hostOf(d.url)), tone: 'waiting' }
      // Connections open and nothing received for a while, by the engine's own stamp: not by
      // the speed, which reads 0 in the first beats after a start too, and which after the
      // last byte decays for ~25 s (a smoothed figure) before it reads 0.
      if (d.lastByteAt !== undefined) {
        const idle = (ctx.engineNow ?? ctx.now) - d.lastByteAt
        if (idle >= STALLED_AFTER_MS)
          return { text: t.status.stalled(Math.floor(idle / 1000)), tone: 'waiting' }
      }
      return { text: t.status.downloading, tone: 'active' }
    case 'retrying': {
      const seconds =
        d.nextRetryAt === null ? 0 : Math.max(0, Math.ceil((d.nextRetryAt - ctx.now) / 1000))
      return {
        text: t.status.retrying(seconds, errorReason(d.error), d.tries + 1, d.maxTries),
        tone: 'waiting',
      }
    }
    case 'paused':
      // The engine pauses a download itself only for the disk: the row says why (the person
      // frees space, then resumes). A resume clears the reason.
      if (d.error?.code === ERROR_CODES.diskFull)
        return { text: t.status.pausedBecause(d.error.message), tone: 'error' }
      return {
        text:
          d.resumable === false && d.done > 0 ? t.status.pausedRestart : t.status.pausedResumable,
        tone: 'paused',
      }
    case 'verifying':
      return { text: t.status.verifying(percentOf(d)), tone: 'active' }
    case 'completed':
      return d.fileMissing
        ? { text: `${t.status.completed} — file missing`, tone: 'error' }
        : { text: t.status.completed, tone: 'done' }
    case 'failed':
      return { text: t.status.failed(errorReason(d.error)), tone: 'error' }
    case 'removed':
      return { text: t.status.removed, tone: 'neutral' }
  }
}

/** True while bytes are being fetched (figures worth showing: speed, time left). */
export function isMoving(d: Pick<DownloadSnapshot, 'state' | 'done' | 'speed'>): boolean {
  return d.state === 'downloading' || (d.state === 'probing' && (d.done > 0 || d.speed > 0))
}

/** Whole percent done, or null while the size is unknown. */
export function percentOf(d: Pick<DownloadSnapshot, 'done' | 'size'>): number | null {
  if (d.size === null) return null
  if (d.size === 0) return 100
  return Math.min(100, Math.floor((d.done / d.size) * 100))
}

/**
 * The short reason a person needs: "404 Not Found" rather than the engine's full sentence
 * ("server answered 404 Not Found for https://…"), which stays in the tooltip and the log.
 */
export function errorReason(error: DownloadError | null): string {
  if (error === null) return 'unknown error'
  if (error.code === ERROR_CODES.httpStatus || error.code === ERROR_CODES.httpRetryable) {
    const status = /\b(\d{3}(?: [A-Za-z][A-Za-z' -]*?)?)(?= for |$)/.exec(error.message)
    if (status) return status[1]!
  }
  // The rest of the sentence (restore it, or another folder) is the row's button and tooltip.
  if (error.code === ERROR_CODES.folderGone) {
    const folder = /^the folder (.*) is gone \(/.exec(error.message)
    if (folder) return `the folder ${folder[1]} is gone`
  }
  return error.message
}

export function hostOf(url: string): string {
  try {
    return new URL(url).host
  } catch {
    return url
  }
}
