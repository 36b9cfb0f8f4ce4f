import { formatBytes } from '../../../../shared/format.ts'
import type { HistoryKind, SegmentMap, SourceShare } from '../../../../shared/protocol/details.ts'

/** The details panel's and change-URL dialog's words (kept here to keep strings.ts merges small). */
export const d = {
  details: 'Details',
  detailsOf: (name: string) => `Details of ${name}`,
  close: 'Close details',
  loading: 'Loading details…',
  connectionMap: 'Connections',
  sources: 'Bytes by source',
  speedGraph: 'Speed, last 60 s',
  timeline: 'Timeline',
  url: 'URL',
  finalUrl: 'Final URL',
  path: 'File',
  partPath: 'Partial file',
  resumable: 'Resumable',
  yes: 'yes',
  no: 'no',
  unknown: 'not known yet',
  headers: 'Headers sent',
  noHeaders: 'none',
  dropped: (n: number) => `${n} older entries not kept`,
  changeUrl: 'Change URL…',
  changeUrlTitle: 'Change URL',
  newUrl: 'New URL',
  changeUrlHint:
    'The engine accepts the new URL only if it serves the same file, and continues from the bytes already saved.',
  change: 'Change',
  chooseFolder: 'Choose another folder…',
  chooseFolderTitle: 'Choose another folder',
  chooseFolderOf: (names: string[]) =>
    names.length === 1 ? names[0]! : `${names.length} downloads: ${names.join(', ')}`,
  chooseFolderHint: (gone: string) =>
    `The folder ${gone} is gone. Choose a folder that exists: the download starts there from the beginning.`,
  folder: 'Folder',
  downloadHere: 'Download here',
  someRefused: (names: string) => `Not changed: ${names}`,
  cancel: 'Cancel',
  startNow: 'Start now',
  limitLabel: 'Speed limit for this download',
  limitPlaceholder: 'No limit',
  limitApply: 'Set limit',
  limitNone: 'No limit of its own (empty or 0); the global limit still applies.',
  limitNow: (rate: string) => `Limited to ${rate}. Empty or 0 removes the limit.`,
  limitSaved: 'Saved: applies now, also while downloading.',
  refused: (message: string) => message,
  kinds: {
    added: 'Added',
    attempt: 'Attempt',
    retry: 'Retry',
    restart: 'Restart',
    checksum: 'Checksum',
    failed: 'Failed',
    completed: 'Completed',
    paused: 'Paused',
    resumed: 'Resumed',
    'url-changed': 'URL changed',
    info: 'Info',
  } satisfies Record<HistoryKind, string>,
}

/**
 * One source of a download with mirrors in words: "mirror.example: 12.5 MiB (62 %), 3
 * connections", or why it was dropped. The first is the download's own URL.
 */
export function describeSource(
  share: SourceShare,
  index: number,
  all: readonly SourceShare[],
): string {
  const total = all.reduce((n, s) => n + s.bytes, 0)
  const percent = total > 0 ? Math.round((share.bytes / total) * 100) : 0
  const role = index === 0 ? 'URL' : 'mirror'
  const head = `${role} ${share.host}: ${formatBytes(share.bytes)} (${percent} %)`
  if (share.dropped !== null) return `${head}; dropped: ${share.dropped}`
  return `${head}, ${share.connections} ${share.connections === 1 ? 'connection' : 'connections'}`
}

/** The bytes a segment map holds as finished. */
export function finishedBytes(map: SegmentMap): number {
  return map.finished.reduce((sum, [start, end]) => sum + (end - start), 0)
}

/**
 * The connection map in words, for the canvas's accessible name: "3 connections; 45 % done".
 * Connection ranges count as done up to their position.
 */
export function describeSegments(map: SegmentMap | null): string {
  if (map === null) return 'No connection map yet'
  const n = map.connections.length
  const conns = `${n} ${n === 1 ? 'connection' : 'connections'}`
  if (map.size === null || map.size === 0)
    return `${conns}; ${formatBytes(finishedBytes(map))} received, size unknown`
  const percent = Math.floor((doneBytes(map) / map.size) * 100)
  return `${conns}; ${percent} % done`
}

/** Finished bytes plus what open connections received past their range start (not yet in `finished`). */
export function doneBytes(map: SegmentMap): number {
  let done = finishedBytes(map)
  for (const c of map.connections) {
    // A connection's received part may already be listed as finished; count only what is not.
    done += uncovered(map.finished, c.start, c.pos)
  }
  return Math.min(done, map.size ?? done)
}

function uncovered(finished: [number, number][], start: number, end: number): number {
  let rest = end - start
  for (const [a, b] of finished) rest -= Math.max(0, Math.min(b, end) - Math.max(a, start))
  return Math.max(0, rest)
}
