import type { IfExists } from '../../shared/protocol/model.ts'
import type { ByteRange } from '../segments/byte-ranges.ts'
import type { Aria2Control } from '../storage/aria2-control.ts'

/**
 * How the log entry of a download found complete at its name begins (after the name): hosts
 * tell "already downloaded" from a download by it.
 */
export const ALREADY_COMPLETE = 'already complete'

/** What is at a download's chosen name before its `.part` is made. */
export type FoundFile =
  | { kind: 'none' }
  /** A folder, a link, a device: never taken over, never replaced. */
  | { kind: 'not-a-file' }
  | {
      kind: 'file'
      size: number
      /** aria2's control file beside it (its download is unfinished), or why it is unusable. */
      aria2: Aria2Control | { problem: string } | null
    }

export type ExistingVerdict =
  /** The name is free. */
  | { kind: 'free' }
  /** Save beside it (`name (1)`), saying `note`. */
  | { kind: 'rename'; note: string }
  | { kind: 'fail'; message: string }
  /** Download into a `.part` of this name and replace the file when complete. */
  | { kind: 'overwrite'; note: string | null }
  /** The file is the download, complete (its size is the server's); a checksum is still checked. */
  | { kind: 'complete' }
  /** The file holds `ranges` of the download: make it the `.part` and fetch the rest. */
  | { kind: 'continue'; ranges: ByteRange[]; note: string }

/**
 * What a new download does with a file already at its name (pure; the transfer acts on it),
 * given the policy (IfExists) and the size the server announced (null: chunked, unknown).
 * aria2's meanings: a file of the server's size is "already completed"; with `continue` a
 * shorter one is continued from its end (wget's partial file), or from the pieces its `.aria2`
 * control file lists (aria2 allocates the whole file first, so its size says nothing).
 */
export function judgeExisting(
  policy: IfExists,
  name: string,
  found: FoundFile,
  serverSize: number | null,
): ExistingVerdict {
  if (found.kind === 'none') return { kind: 'free' }
  if (policy === 'fail') return { kind: 'fail', message: `${name} already exists; not replaced` }
  if (found.kind === 'not-a-file')
    return { kind: 'rename', note: `${name} exists and is not a regular file` }
  if (policy === 'overwrite') return { kind: 'overwrite', note: null }
  if (policy === 'rename') return { kind: 'rename', note: `${name} exists` }
  const { size, aria2 } = found
  const canContinue = policy === 'continue'
  if (aria2) {
    if (!canContinue)
      return {
        kind: 'rename',
        note: `${name} exists with aria2's control file (${name}.aria2: unfinished)`,
      }
    if ('problem' in aria2)
      return {
        kind: 'overwrite',
        note: `${name}.aria2 cannot be read (${aria2.problem}); downloading ${name} again in its place`,
      }
    if (serverSize === null || aria2.totalLength !== serverSize)
      return {
        kind: 'overwrite',
        note: `${name}.aria2 is for a file of ${aria2.totalLength} bytes, the server's has ${serverSize ?? 'an unknown size'}; downloading it again in its place`,
      }
    return {
      kind: 'continue',
      ranges: aria2.complete,
      note: `continuing aria2's ${name} (${aria2.complete.reduce((n, r) => n + r.end - r.start, 0)} of ${serverSize} bytes)`,
    }
  }
  if (serverSize === null)
    return {
      kind: 'rename',
      note: `${name} exists and the server does not send the size, so it cannot be told complete`,
    }
  if (size === serverSize) return { kind: 'complete' }
  if (canContinue && size < serverSize)
    return {
      kind: 'continue',
      ranges: size > 0 ? [{ start: 0, end: size }] : [],
      note: `continuing ${name} from byte ${size} of ${serverSize}`,
    }
  return {
    kind: 'rename',
    note: `${name} exists (${size} bytes, the server's file has ${serverSize})`,
  }
}
