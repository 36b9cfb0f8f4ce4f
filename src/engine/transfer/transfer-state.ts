import type { FileSeen } from './mirror-fallback.ts'
import { join } from 'node:path'
import type { ConnectionRange } from '../../shared/protocol/details.ts'
import type { DownloadRecord } from '../model/download-record.ts'
import { PART_SUFFIX } from '../storage/control-file.ts'
import type { PartFile } from '../storage/part-file.ts'
import type { SegmentedFetch } from './segmented-fetch.ts'
import type { TransferContext } from './transfer-context.ts'

/** A file at the expected name, asked about before the download takes its name (probeRange). */
export type Probe = { name: string; size: number; lastByte: boolean }

/** A name's paths in the download's folder. */
export type TransferPaths = { dir: string; name: string; final: string; part: string }

/**
 * One download's transfer state: one plain object, made with its DownloadTransfer, that the
 * transfer's modules read and change through plain functions (part-checkpoints.ts,
 * name-claim.ts, take-existing.ts, existing-probe.ts, accept-response.ts, single-connection.ts,
 * fetch-segments.ts), so a file of 2,000 small ones costs no object per module. Each field says
 * which module owns it.
 */
export type TransferState = {
  readonly record: DownloadRecord
  readonly ctx: TransferContext
  /** The transfer's stop signal (pause, remove, shutdown). */
  readonly signal: AbortSignal
  /** Bandwidth limits (global and this download's), shared with the worker threads. */
  readonly throttle: (bytes: number) => Promise<void> | null
  /** pathsOf's cache. */
  paths: TransferPaths | null

  // part-checkpoints.ts: the part file and what the control file says of it.
  part: PartFile | null
  controlWritten: boolean
  /** Bumped when the part file starts over: a checkpoint begun before must not record it. */
  generation: number
  checkpointTimer: NodeJS.Timeout | null
  checkpointing: Promise<void> | null
  /** performance.now() at construction: the age that spares short downloads an fsync. */
  readonly startedAt: number

  // The connections: the lone one's progress (single-connection.ts) or several's (fetch-segments.ts).
  single: ConnectionRange | null
  fetch: SegmentedFetch | null

  // What this run learnt of the server (the exchange, accept-response.ts, fetch-segments.ts).
  url: URL | null
  /** Where the first connection's redirects ended: extra connections go straight there. */
  finalUrl: URL | null
  /**
   * The server answered a range with the wrong bytes (Content-Range): no more Range requests in
   * this run; what is missing is read from a whole-file response, on one connection.
   */
  rangesBroken: boolean
  /** The server answered a Range with the whole file: it does not do ranges (this run). */
  rangesIgnored: boolean
  /**
   * The answer had no length (chunked) but said `Accept-Ranges: bytes`: a connection lost
   * midway is continued with `Range: bytes=N-`, as wget does, instead of starting over (issue
   * 23). Within this transfer only: with no length nothing records which bytes are durable.
   */
  rangesForUnknownLength: boolean
  /**
   * The file "changed" again right after a restart for it: the server's answers disagree (two
   * backends behind one name, each with its own ETag), so connections of one version cannot be
   * had. The rest of this run uses one connection: one answer is one backend's file.
   */
  oneConnection: boolean
  /**
   * Mirrors dropped in an earlier try of this run, with why (MirrorSources.failed): a later try
   * does not ask them again (one that served another file would be asked once per try).
   */
  droppedMirrors: Map<string, string>
  /**
   * Sources (the URL, mirrors) whose answer to the first connection failed for good in this run
   * (a 404, another file): the next try asks another (mirror-fallback.ts).
   */
  failedSources: Set<string>
  /** What the first answer of this run said of the file: a mirror's must agree (mirror-fallback.ts). */
  fileSeen: FileSeen | null

  // name-claim.ts, take-existing.ts, existing-probe.ts: the name and a file found at it.
  /** The file at the download's name proved to be the download, complete (see IfExists). */
  foundComplete: boolean
  /**
   * A file of `size` bytes at the name the download expects (IfExists 'done-if-same-size',
   * 'continue'): the first request asks for its last byte on (acceptProbe). Once per run.
   */
  probe: Probe | null
  /**
   * A name probeFor found nothing at (lstat: ENOENT) and when, for judgeFileAt to take as free
   * once, within a second (a retry much later looks again).
   */
  seenFree: { name: string; at: number } | null
  /** The name was just claimed: journaled with every field as it is, its `.part` created empty. */
  claimedFresh: boolean
  /** Waited once for another run downloading the same file (sameUrlElsewhere). */
  waited: boolean
}

/**
 * The paths of `name` (the record's by default) in the download's folder, joined again only
 * when the name changes: they are asked for often, and a new file's candidate name is the
 * record's name moments later.
 */
export function pathsOf(s: TransferState, name = s.record.name): TransferPaths {
  const { dir } = s.record
  const cached = s.paths
  if (cached?.name === name && cached.dir === dir) return cached
  const final = join(dir, name)
  return (s.paths = { dir, name, final, part: final + PART_SUFFIX })
}

/** Bytes on disk or in flight to it, from the shared statistics (all threads count there). */
export function readDone(s: TransferState): number {
  s.record.done = s.ctx.shared.stats.downloadBytes(s.ctx.downloadSlot)
  return s.record.done
}

export function setDone(s: TransferState, bytes: number): void {
  s.ctx.shared.stats.setDownloadBytes(s.ctx.downloadSlot, bytes)
  s.record.done = bytes
}

export function setState(s: TransferState, state: DownloadRecord['state']): void {
  if (s.record.state === state) return
  s.record.state = state
  s.ctx.changed()
}

/** The download has every byte under its final name (or was found so). */
export function markCompleted(s: TransferState): void {
  const rec = s.record
  setDone(s, rec.size ?? readDone(s))
  rec.error = null
  rec.completedAt = Date.now()
  setState(s, 'completed')
}

/** Waits `ms`; a pause, removal or shutdown ends the wait at once. */
export function sleepUnlessStopped(signal: AbortSignal, ms: number): Promise<void> {
  if (signal.aborted) return Promise.resolve()
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms)
    signal.addEventListener('abort', done, { once: true })
    function done(): void {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
  })
}
