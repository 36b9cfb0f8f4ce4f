import { join } from 'node:path'
import { aria2StatusFor } from '../../shared/aria2-exit-status.ts'
import type { DownloadError, DownloadSnapshot } from '../../shared/protocol/model.ts'
import { gidOf } from './aria2-gid.ts'
import { groupOf } from './aria2-download-view.ts'

/** aria2's piece size for HTTP downloads (its `--piece-length` default), for `numPieces`. */
const PIECE_LENGTH = 1024 * 1024

/** Downpour's state as aria2's `status` word. */
export function aria2Status(d: DownloadSnapshot): string {
  switch (d.state) {
    case 'queued':
      return 'waiting'
    case 'paused':
      return 'paused'
    case 'completed':
      return 'complete'
    case 'failed':
      return 'error'
    case 'removed':
      return 'removed'
    default:
      return 'active'
  }
}

/** aria2's `errorCode` for a failure: its exit status for that cause (one table, see there). */
export function aria2ErrorCode(error: DownloadError | null): string {
  return String(aria2StatusFor(error))
}

/**
 * aria2 reports a file's path once the server has answered with the file ("" before, and for a
 * download that never got it, a 404 say); AriaNg then shows the URL instead. Downpour's name
 * until then is only a guess from the URL: it is kept back the same way.
 */
function pathOf(d: DownloadSnapshot): string {
  const answered = d.state === 'completed' || d.size !== null || d.done > 0
  return answered && d.name ? join(d.dir, d.name) : ''
}

/**
 * The download's URL, then its mirrors: `used` once the download was tried (aria2's meaning:
 * taken off the waiting list; a running download spreads over all of them), else `waiting`.
 */
function urisOf(d: DownloadSnapshot): { uri: string; status: string }[] {
  const used = groupOf(d.state) === 'active' || d.tries > 0 || d.state === 'completed'
  const status = used ? 'used' : 'waiting'
  const uris = [{ uri: d.url, status }]
  for (const uri of d.mirrors ?? []) uris.push({ uri, status })
  return uris
}

/** `getFiles`: Downpour's downloads are one file each. */
export function aria2Files(d: DownloadSnapshot) {
  return [
    {
      index: '1',
      path: pathOf(d),
      length: String(d.size ?? 0),
      completedLength: String(d.done),
      selected: 'true',
      uris: urisOf(d),
    },
  ]
}

export function aria2Uris(d: DownloadSnapshot) {
  return urisOf(d)
}

export function aria2Servers(d: DownloadSnapshot) {
  return [
    {
      index: '1',
      servers: [
        { uri: d.url, currentUri: d.finalUrl ?? d.url, downloadSpeed: String(Math.round(d.speed)) },
      ],
    },
  ]
}

/**
 * aria2's `bitfield`: one bit per piece of `PIECE_LENGTH` bytes, the highest bit of the first byte
 * for piece 0, set when every byte of the piece is in; in hex, spare bits zero. `finished` is
 * the engine's sorted, disjoint `[start, end)` ranges of bytes received.
 */
export function aria2Bitfield(size: number, finished: readonly (readonly [number, number])[]) {
  const pieces = Math.ceil(size / PIECE_LENGTH)
  const bytes = new Uint8Array(Math.ceil(pieces / 8))
  // Touching ranges (two connections' work meeting) count as one.
  const merged: [number, number][] = []
  for (const [start, end] of finished) {
    const last = merged[merged.length - 1]
    if (last && start <= last[1]) last[1] = Math.max(last[1], end)
    else merged.push([start, end])
  }
  let r = 0
  for (let piece = 0; piece < pieces; piece++) {
    const start = piece * PIECE_LENGTH
    const end = Math.min(size, start + PIECE_LENGTH)
    while (r < merged.length && merged[r]![1] <= start) r++
    const range = merged[r]
    if (range && range[0] <= start && range[1] >= end) bytes[piece >> 3]! |= 0x80 >> (piece & 7)
  }
  return Buffer.from(bytes).toString('hex')
}

/** What a status field is computed from: the download, and its received ranges when known. */
type FieldSource = { active: boolean; finished: readonly (readonly [number, number])[] | null }

type StatusField = (d: DownloadSnapshot, source: FieldSource) => unknown

/** Every `tellStatus` key Downpour answers, in aria2's spelling, computed only when asked. */
const FIELDS: Record<string, StatusField> = {
  gid: (d) => gidOf(d.id),
  status: (d) => aria2Status(d),
  totalLength: (d) => String(d.size ?? 0),
  completedLength: (d) => String(d.done),
  uploadLength: () => '0',
  downloadSpeed: (d, { active }) => (active ? String(Math.round(d.speed)) : '0'),
  uploadSpeed: () => '0',
  connections: (d, { active }) => (active ? String(d.connections) : '0'),
  pieceLength: () => String(PIECE_LENGTH),
  numPieces: (d) => String(Math.ceil((d.size ?? 0) / PIECE_LENGTH)),
  // Only where the pieces are known: a finished file, or the ranges the engine reported.
  bitfield: (d, { finished }) =>
    !d.size
      ? undefined
      : d.state === 'completed'
        ? aria2Bitfield(d.size, [[0, d.size]])
        : finished
          ? aria2Bitfield(d.size, finished)
          : undefined,
  dir: (d) => d.dir,
  files: (d) => aria2Files(d),
  errorCode: (d) =>
    d.state === 'completed' ? '0' : d.state === 'removed' ? '31' : aria2ErrorCode(d.error),
  // A removed download has no message in aria2 (its errorCode, 31, says why).
  errorMessage: (d) => (d.state === 'failed' ? (d.error?.message ?? '') : ''),
}

/** Keys only stopped downloads have, as in aria2. */
const STOPPED_ONLY = new Set(['errorCode', 'errorMessage'])

/**
 * `tellStatus` and the `tell*` lists: aria2's status struct, every number a decimal string,
 * restricted to `keys` when given (unknown keys are left out, as aria2 does). `finished`: the
 * download's received ranges, for `bitfield` (see `wantsBitfield`).
 */
export function aria2StatusStruct(
  d: DownloadSnapshot,
  keys: readonly string[],
  finished: FieldSource['finished'] = null,
) {
  const active = groupOf(d.state) === 'active'
  const source: FieldSource = { active, finished }
  const stopped = groupOf(d.state) === 'stopped'
  const out: Record<string, unknown> = {}
  const wanted = keys.length ? keys : Object.keys(FIELDS)
  for (const key of wanted) {
    const field = FIELDS[key]
    if (!field || (STOPPED_ONLY.has(key) && !stopped)) continue
    const value = field(d, source)
    if (value !== undefined) out[key] = value
  }
  return out
}

/** Whether a status for `keys` shows a bitfield that needs the download's ranges. */
export function wantsBitfield(d: DownloadSnapshot, keys: readonly string[]): boolean {
  return (keys.length === 0 || keys.includes('bitfield')) && !!d.size && d.state !== 'completed'
}
