import { rename, rm } from 'node:fs/promises'
import type { Stats } from 'node:fs'
import { hashFile } from '../checksum/hash-file.ts'
import { totalBytes } from '../segments/byte-ranges.ts'
import { ARIA2_SUFFIX, readAria2Control } from '../storage/aria2-control.ts'
import { diskError } from '../storage/disk-error.ts'
import { lookAt } from '../storage/file-exists.ts'
import { PartFile } from '../storage/part-file.ts'
import {
  ALREADY_COMPLETE,
  judgeExisting,
  type ExistingVerdict,
  type FoundFile,
} from './existing-file.ts'
import { pathsOf, setDone, type TransferState } from './transfer-state.ts'

/*
 * A file already at the download's name: what the download's IfExists makes of it (the rules
 * themselves are existing-file.ts's, pure) and taking it — complete (nothing is fetched),
 * continued (it becomes the `.part`), or its `.part` claimed to replace it. Each take reaches
 * the queue's journal before a file is created or renamed.
 */

/** Whether this download looks at a file already at its name (every IfExists but 'rename'). */
export function looksAtExisting(s: TransferState): boolean {
  const policy = s.record.ifExists
  return policy === 'done-if-same-size' || policy === 'continue'
}

/** What is at `name` in the download's folder, and what the download's policy makes of it. */
export async function judgeFileAt(
  s: TransferState,
  name: string,
  serverSize: number | null,
): Promise<ExistingVerdict> {
  const rec = s.record
  const seen = s.seenFree
  s.seenFree = null
  if (seen?.name === name && performance.now() - seen.at < 1000) {
    // Looked at moments ago, before the first request (probeFor): nothing there. One look
    // per new file, not two; a file that appears since is found at publishing (link: EEXIST).
    return judgeExisting(rec.ifExists, name, { kind: 'none' }, serverSize)
  }
  const path = pathsOf(s, name).final
  let info: Stats | null
  try {
    info = lookAt(path)
  } catch (error) {
    throw diskError(error, `cannot look at ${path}`, rec.dir)
  }
  const found: FoundFile = !info
    ? { kind: 'none' }
    : !info.isFile()
      ? { kind: 'not-a-file' }
      : {
          kind: 'file',
          size: info.size,
          aria2: rec.ifExists === 'rename' ? null : await readAria2Control(path),
        }
  const verdict = judgeExisting(rec.ifExists, name, found, serverSize)
  if (verdict.kind !== 'complete' || !rec.checksum) return verdict
  // The size matches; the checksum given decides.
  const actual = await hashFile(path, rec.checksum.algorithm, { signal: s.signal })
  if (actual === rec.checksum.hex.toLowerCase()) return verdict
  const note = `${name} has the server's size but ${rec.checksum.algorithm} ${actual}, not the ${rec.checksum.hex.toLowerCase()} given`
  return rec.ifExists === 'continue'
    ? { kind: 'overwrite', note: `${note}; downloading it again in its place` }
    : { kind: 'rename', note }
}

/**
 * Takes `name` for a file found there: reserved, journaled, then the file taken as it is
 * (complete, continued) or its `.part` claimed to replace it when complete. 'busy': another
 * download's `.part` has that name (nothing was taken).
 */
export async function takeNamed(
  s: TransferState,
  name: string,
  verdict: Extract<ExistingVerdict, { kind: 'complete' | 'continue' | 'overwrite' }>,
): Promise<'complete' | 'again' | 'claimed' | 'busy'> {
  const rec = s.record
  const unclaimed = rec.name
  const wanted = pathsOf(s, name).final
  s.ctx.reservedPaths.add(wanted)
  rec.name = name
  rec.nameChosen = true
  let taken: 'complete' | 'again' | 'claimed' | null = null
  try {
    s.ctx.journal()
    if (verdict.kind === 'overwrite') {
      s.part = await PartFile.open(pathsOf(s).part, 'exclusive')
      if (verdict.note) s.ctx.log('warn', verdict.note)
      taken = 'claimed'
    } else taken = await takeExisting(s, verdict, false)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      s.ctx.reservedPaths.delete(wanted)
      rec.name = unclaimed
      rec.nameChosen = false
      throw error
    }
  }
  if (taken !== null) return taken
  s.ctx.reservedPaths.delete(wanted)
  rec.name = unclaimed
  rec.nameChosen = false
  return 'busy'
}

/**
 * Takes the name of a file found complete (nothing is fetched) or to be continued: for
 * 'continue' the file becomes the `.part` (one rename, after this download claimed that
 * `.part` with O_EXCL, so another download's is never replaced) with the bytes it holds, and
 * the caller asks the server for the rest. A kill between the claim and the rename leaves an
 * empty `.part` the journal names and the file untouched: the rerun decides again.
 */
export async function takeExisting(
  s: TransferState,
  verdict: Extract<ExistingVerdict, { kind: 'complete' | 'continue' }>,
  partIsOurs: boolean,
): Promise<'complete' | 'again' | null> {
  const rec = s.record
  if (verdict.kind === 'complete') {
    s.foundComplete = true
    s.ctx.log(
      'info',
      `${ALREADY_COMPLETE}: the file at its name has the server's size (${rec.size} bytes)${rec.checksum ? ' and the checksum given' : ''}`,
    )
    return 'complete'
  }
  if (!partIsOurs) {
    try {
      const claim = await PartFile.open(pathsOf(s).part, 'exclusive')
      await claim.close()
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return null
      throw error
    }
  }
  await rename(pathsOf(s).final, pathsOf(s).part).catch((error: unknown) => {
    throw diskError(error, `cannot continue ${pathsOf(s).final}`, rec.dir)
  })
  // aria2's record of it is ours now (the control file written at the first checkpoint).
  await rm(pathsOf(s).final + ARIA2_SUFFIX, { force: true })
  s.part = await PartFile.open(pathsOf(s).part, 'resume')
  s.part.markWritten(verdict.ranges)
  setDone(s, totalBytes(verdict.ranges))
  s.ctx.log('warn', verdict.note)
  return 'again'
}
