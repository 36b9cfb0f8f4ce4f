import { PartFile } from '../storage/part-file.ts'
import { notEnoughSpace, spaceShortfall } from '../storage/free-space.ts'
import { totalBytes } from '../segments/byte-ranges.ts'
import { judgeResponse, type Adopted } from './judge-response.ts'
import { acceptProbe } from './existing-probe.ts'
import { chooseName } from './name-claim.ts'
import { judgeFileAt, looksAtExisting, takeExisting } from './take-existing.ts'
import type { OpenResponse } from './open-response.ts'
import { reserveControlFile, restartFromZero } from './part-checkpoints.ts'
import { pathsOf, readDone, type TransferState } from './transfer-state.ts'

/**
 * Acts on what the first connection's response means for the file (judge-response.ts): where
 * its body starts and from where it is written, that the file is already complete, or that
 * the server's range is unusable ('bad-range': ask again without one). Restarts from 0 when
 * the server ignored the Range or the file changed, saying so in the log.
 */
export async function acceptResponse(
  s: TransferState,
  response: OpenResponse,
  url: URL,
  askedFrom: number | null,
  ranged: boolean,
  /** The answer is a mirror's, checked already (mirror-fallback.ts): its validators are its own. */
  mirror = false,
): Promise<
  { at: number; writeFrom: number; bodyEnd: number | null } | 'complete' | 'bad-range' | 'again'
> {
  const rec = s.record
  const probe = s.probe
  s.probe = null
  if (probe && (response.status === 206 || response.status === 416)) {
    const found = await acceptProbe(s, response, url, probe)
    if (found === 'complete') response.discard()
    return found
  }
  const verdict = judgeResponse(
    response.status,
    response.headers,
    url,
    { from: askedFrom, ranged },
    {
      ...rec,
      ...(mirror ? { etag: null, lastModified: null } : {}),
      bytes: totalBytes(s.part?.written ?? []),
    },
  )
  switch (verdict.kind) {
    case 'complete':
      response.discard()
      return 'complete'
    case 'fail':
      response.discard()
      throw verdict.error
    case 'restart':
      response.discard()
      s.ctx.log('warn', verdict.warn)
      await restartFromZero(s)
      throw verdict.error
    case 'bad-range':
      response.abort(new Error('wrong Content-Range'))
      s.ctx.log('warn', verdict.warn)
      return 'bad-range'
  }
  for (const message of verdict.warn) s.ctx.log('warn', message)
  if (verdict.rangesIgnored) s.rangesIgnored = true
  if (verdict.restart) await restartFromZero(s)
  if (verdict.adopt) {
    const found = await adoptMetadata(s, response, url, verdict.adopt)
    if (found === 'complete') {
      response.discard()
      return 'complete'
    }
    if (found === 'again') return 'again'
  } else if (verdict.rangesConfirmed && rec.resumable !== true && rec.size !== null) {
    // (A 206 to a download of no length continues it now, but no record of durable bytes
    // lets a pause resume it: it stays not resumable.)
    rec.resumable = true
    s.ctx.changed()
  }
  for (const message of verdict.info) s.ctx.log('info', message)
  return { at: verdict.at, writeFrom: verdict.writeFrom, bodyEnd: verdict.bodyEnd }
}

/**
 * The first answer to a new download (or one restarted) told its size and validators: they
 * become the record's, the space is checked, and the name is chosen (or a file found at it
 * taken). 'complete': the file at the name is this download, complete; 'again': a file found
 * at the name holds the first bytes, and the rest is asked for with a Range.
 */
async function adoptMetadata(
  s: TransferState,
  response: OpenResponse,
  url: URL,
  adopted: Adopted,
): Promise<'complete' | 'again' | null> {
  const rec = s.record
  const { size, resumable } = adopted
  rec.size = size
  rec.etag = adopted.etag
  rec.lastModified = adopted.lastModified
  // Unknown (no Accept-Ranges) is tried, unless this run already saw ranges ignored.
  rec.resumable = size === null ? false : (resumable ?? (s.rangesIgnored ? false : null))
  s.rangesForUnknownLength = size === null && resumable === true
  rec.finalUrl = url.href
  s.fileSeen ??= { size, etag: adopted.etag }
  // The size just became known: nothing is written (no name chosen, no `.part` made) for a
  // file that will not fit.
  await checkSpace(s)
  let found: 'complete' | 'again' | null = null
  if (!rec.nameChosen) {
    await s.ctx.ensureDir(rec.dir)
    found = await chooseName(s, response, url)
  } else if (!s.part && looksAtExisting(s)) {
    // The name was taken for a file found there, and the run ended before that file became
    // the `.part` (or was found complete): the same decision again. The `.part`, if any, is
    // this download's (the journal names it).
    const verdict = await judgeFileAt(s, rec.name, size)
    if (verdict.kind === 'complete' || verdict.kind === 'continue')
      found = await takeExisting(s, verdict, true)
  }
  if (found === 'complete') return found
  if (!s.part) s.part = await PartFile.open(pathsOf(s).part, 'fresh')
  // Only before its first byte: a part with bytes in it keeps the control file it has (or has
  // none, as before). Not written is no loss: the checkpoints write it as they always did.
  if (readDone(s) === 0)
    await reserveControlFile(s).catch((error: Error) =>
      s.ctx.log('warn', `could not write the first control file (${error.message})`),
    )
  // The claim journaled the record as it is now, moments ago, then made its empty `.part`:
  // the state moving on from probing needs no line of its own (a restart reads probing and
  // downloading alike: queued again). One journal line fewer per new file.
  const journaled = found === null && s.claimedFresh
  s.claimedFresh = false
  // The server answered with the file: from here bytes flow, whatever the attempt began as.
  if (rec.state === 'probing') rec.state = 'downloading'
  s.ctx.changed({ journal: !journaled })
  return found
}

/**
 * Refuses to go on (DP_ERR_DISK_FULL: the download pauses, its bytes kept) when the rest of
 * a file of known size cannot fit in what its folder's file system has free. Downloads that
 * run side by side each see what is free now: together they may still fill the disk, and
 * then ENOSPC pauses them as before.
 */
export async function checkSpace(s: TransferState): Promise<void> {
  const rec = s.record
  if (rec.size === null || rec.size - readDone(s) <= 0) return
  let free = await s.ctx.freeSpace(rec.dir)
  if (spaceShortfall(rec.size, readDone(s), free) === null) return
  // A refusal is never made on a remembered figure: asked again, now.
  free = await s.ctx.freeSpace(rec.dir, true)
  const short = spaceShortfall(rec.size, readDone(s), free)
  if (short !== null) throw notEnoughSpace(short, free!, rec.dir)
}
