import { rename, rm } from 'node:fs/promises'
import type { Stats } from 'node:fs'
import { DownpourError, ERROR_CODES } from '../../shared/protocol/errors.ts'
import { redactUrl } from '../../shared/protocol/url.ts'
import { hashFile } from '../checksum/hash-file.ts'
import type { DownloadRecord } from '../model/download-record.ts'
import { suggestFileName } from '../naming/suggest-file-name.ts'
import { claimUniqueName } from '../naming/unique-name.ts'
import { missingRanges, totalBytes } from '../segments/byte-ranges.ts'
import { ARIA2_SUFFIX, readAria2Control } from '../storage/aria2-control.ts'
import { controlPathFor, readControlFile } from '../storage/control-file.ts'
import { diskError } from '../storage/disk-error.ts'
import { fileExists, lookAt } from '../storage/file-exists.ts'
import { PartFile } from '../storage/part-file.ts'
import {
  ALREADY_COMPLETE,
  judgeExisting,
  type ExistingVerdict,
  type FoundFile,
} from './existing-file.ts'
import type { OpenResponse } from './open-response.ts'
import {
  contentCodings,
  header,
  parseContentRange,
  parseUnsatisfiedRangeTotal,
  strongEtag,
} from './response-headers.ts'
import {
  pathsOf,
  setDone,
  sleepUnlessStopped,
  type Probe,
  type TransferState,
} from './transfer-state.ts'

/*
 * The download's name: the one asked for or suggested, or what its IfExists makes of a file
 * already there (complete, continued, replaced, refused, renamed to the first free ` (n)`).
 * A file at the name may be asked about before the first request (probeFor, probeRange,
 * acceptProbe: a Range of its last byte tells whether the server's file is that one). Each
 * claim reaches the queue's journal before its `.part` is created, so a crash never leaves a
 * `.part` that no record names.
 */

/**
 * Claims the download's name: the one asked for or suggested when free, else what the
 * download's IfExists makes of the file there (complete, continued, replaced, an error), else
 * the first free ` (n)` name, saying why.
 */
export async function chooseName(
  s: TransferState,
  response: OpenResponse,
  url: URL,
  lookedElsewhere = false,
): Promise<'complete' | 'again' | null> {
  const rec = s.record
  const suggested = suggestedName(rec, response, url)
  const unclaimed = rec.name
  let note: string | null = null
  let seenFree = false
  // A free name whose `.part` turns out to exist may be another run's download of this very
  // file: asked when creating the `.part` finds it (EEXIST), not with a look of its own.
  let mayWaitAt: string | null = null
  const wanted = pathsOf(s, suggested).final
  if (rec.ifExists !== 'rename' && !s.ctx.reservedPaths.has(wanted)) {
    const verdict = await judgeFileAt(s, suggested, rec.size)
    seenFree = verdict.kind === 'free'
    if (verdict.kind === 'fail')
      throw new DownpourError(ERROR_CODES.fileExists, `${wanted} already exists; not replaced`)
    if (verdict.kind === 'rename') note = verdict.note
    else if (verdict.kind !== 'free') {
      const taken = await takeNamed(s, suggested, verdict)
      if (taken !== 'busy') return taken === 'claimed' ? null : taken
      note = `${suggested}.part belongs to another download`
    }
    if (verdict.kind === 'free' && !s.waited && !lookedElsewhere) mayWaitAt = suggested
  }
  let claimed: { name: string; adopted: boolean }
  try {
    claimed = await claimUniqueName(
      rec.dir,
      suggested,
      s.ctx.reservedPaths,
      async (candidate) => {
        // The name reaches the journal before its `.part` exists (the append that the first
        // save of a chosen name always cost, moved before the create): a crash between the two
        // leaves a record naming a `.part` not made yet, never a `.part` that no record names
        // (the rerun would find it taken and save `name (1)`).
        rec.name = candidate
        rec.nameChosen = true
        s.ctx.journal()
        try {
          s.part = await PartFile.open(pathsOf(s, candidate).part, 'exclusive')
          s.claimedFresh = true
          return 'created'
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
          if (candidate === mayWaitAt) throw PART_FOUND
          return 'exists'
        }
      },
      async (candidate) => {
        // A `.part` this same download left behind (state lost in a crash) may be taken over;
        // another download's never, though it fetches the same URL.
        const part = pathsOf(s, candidate).part
        const { data } = await readControlFile(controlPathFor(part))
        if (data?.id === rec.id && data.url === redactUrl(rec.url)) return true
        // The run this download waited for (sameUrlElsewhere) died with its `.part` of this
        // URL here: started again in place, not beside it as `name (1)`.
        return (
          s.waited &&
          candidate === suggested &&
          (data === null || data.url === redactUrl(rec.url)) &&
          (await s.ctx.othersLive()) === null
        )
      },
      seenFree,
    )
  } catch (error) {
    // No name is held: a later try claims one again (the journal may name a candidate whose
    // `.part` was never made; the rerun creates it).
    rec.name = unclaimed
    rec.nameChosen = false
    if (error !== PART_FOUND) throw error
    // The name given back reaches the journal before any wait: a kill while waiting must not
    // leave this record naming the other run's `.part`.
    s.ctx.journal()
    // Another run downloads this very file here: wait for it, then decide again (its
    // complete file is then this download, complete).
    if (await sameUrlElsewhere(s, suggested)) s.waited = true
    return chooseName(s, response, url, true)
  }
  rec.name = claimed.name
  rec.nameChosen = true
  s.ctx.reservedPaths.add(pathsOf(s).final)
  if (claimed.name !== suggested) {
    // Said only when it happens (no extra look at the folder for every new file).
    note ??= fileExists(wanted) ? `${suggested} exists` : null
    if (note) s.ctx.log('warn', `${note}; saving as ${claimed.name}`)
  }
  return null
}

/** Thrown inside the claim: the `.part` of a free name exists (see sameUrlElsewhere). */
const PART_FOUND = Symbol('the .part of a free name exists')

/**
 * Takes `name` for a file found there: reserved, journaled, then the file taken as it is
 * (complete, continued) or its `.part` claimed to replace it when complete. 'busy': another
 * download's `.part` has that name (nothing was taken).
 */
async function takeNamed(
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
 * Whether `name.part` is another download's of this same URL (its control file says so, or
 * it has none yet) while another engine is live; if so, waits — saying so once, naming the
 * folder and the file — until that `.part` is gone or no other engine is live. Returns whether
 * it waited. A kill -9 of the other run ends the wait (its lock's pid is dead); its `.part`
 * is then this download's to take over in place (claimUniqueName's canAdopt).
 */
async function sameUrlElsewhere(s: TransferState, name: string): Promise<boolean> {
  const rec = s.record
  const part = pathsOf(s, name).part
  if (!fileExists(part)) return false
  const { data } = await readControlFile(controlPathFor(part))
  if (data && (data.id === rec.id || data.url !== redactUrl(rec.url))) return false
  let told = false
  for (;;) {
    if (s.signal.aborted || !fileExists(part)) return told
    const other = await s.ctx.othersLive()
    if (!other) return told
    if (!told)
      s.ctx.log(
        'warn',
        `${other} is downloading ${name} into ${rec.dir}; waiting for it to finish…`,
      )
    told = true
    await sleepUnlessStopped(s.signal, 250)
  }
}

/** Whether this download looks at a file already at its name (every IfExists but 'rename'). */
export function looksAtExisting(s: TransferState): boolean {
  const policy = s.record.ifExists
  return policy === 'done-if-same-size' || policy === 'continue'
}

/**
 * The file at `name` a first request can ask about with a Range of its last byte on: a
 * regular file with bytes and no aria2 control file (aria2 allocates the whole file first, so
 * its size says nothing: the plain request and its `.aria2` decide), not one another download
 * of this engine saves.
 */
export async function probeFor(s: TransferState, name: string): Promise<Probe | null> {
  const path = pathsOf(s, name).final
  if (s.ctx.reservedPaths.has(path)) return null
  let info: Stats | null
  try {
    info = lookAt(path)
  } catch {
    return null // unreadable: the first request asks for the whole file
  }
  if (!info) s.seenFree = { name, at: performance.now() }
  if (!info?.isFile() || info.size === 0) return null
  if (fileExists(path + ARIA2_SUFFIX)) return null
  return { name, size: info.size, lastByte: s.record.ifExists !== 'continue' }
}

/**
 * The Range that asks about a file of `size` bytes at the name: with 'continue' the rest of
 * the file from its end (a 416 for exactly that total: complete; a 206: the continuation
 * itself), else — or after a 416 without the total (lighttpd sends none) — its last byte
 * alone (the total in the answer's Content-Range tells).
 */
export function probeRange({ size, lastByte }: Probe): string {
  return lastByte ? `bytes=${size - 1}-${size - 1}` : `bytes=${size}-`
}

/**
 * The answer to the probe (probeRange): the file is complete when the server's total is its
 * size (and its name the one the answer gives: Content-Disposition may name another file);
 * with 'continue', a 206 from its end continues it — this answer's body is the rest. Any
 * other answer (another total, a compressed range, another name) is of no use: 'again' asks
 * for the whole file as a new download does, which then decides (rename, overwrite, …). A 200
 * never comes here: it is that answer.
 */
export async function acceptProbe(
  s: TransferState,
  response: OpenResponse,
  url: URL,
  probe: Probe,
): Promise<'complete' | 'again' | { at: number; writeFrom: number; bodyEnd: number | null }> {
  const rec = s.record
  const suggested = suggestedName(rec, response, url)
  const continuing = !probe.lastByte
  let total: number | null = null
  let rest: { start: number; end: number } | null = null
  if (response.status === 416) {
    total = continuing
      ? parseUnsatisfiedRangeTotal(header(response.headers, 'content-range'))
      : null
    if (continuing && total === null) {
      // No total given (lighttpd): the answer for its last byte will tell.
      s.probe = { ...probe, lastByte: true }
      return 'again'
    }
    if (total !== probe.size) total = null
  } else {
    const range = parseContentRange(header(response.headers, 'content-range'))
    const expected = continuing ? probe.size : probe.size - 1
    if (range && range.start === expected && range.total !== null) {
      total = range.total
      if (continuing) rest = { start: range.start, end: range.end }
    }
  }
  if (total === null || suggested !== probe.name || contentCodings(response.headers).length > 0)
    return 'again'
  const verdict = await judgeFileAt(s, probe.name, total)
  if (verdict.kind !== 'complete' && verdict.kind !== 'continue') return 'again'
  rec.size = total
  rec.etag = strongEtag(header(response.headers, 'etag'))
  rec.lastModified = header(response.headers, 'last-modified')
  rec.resumable = response.status === 206 ? true : rec.resumable
  rec.finalUrl = url.href
  await s.ctx.ensureDir(rec.dir)
  const taken = await takeNamed(s, probe.name, verdict)
  s.ctx.changed()
  if (taken === 'complete') return 'complete'
  if (taken !== 'again' || !rest || !s.part) return 'again'
  if (missingRanges(s.part.written, total)[0]?.start !== rest.start) return 'again'
  if (rec.state === 'probing') rec.state = 'downloading'
  return { at: rest.start, writeFrom: rest.start, bodyEnd: rest.end }
}

/** The name asked for, or the one the server's answer and the URL suggest. */
function suggestedName(rec: DownloadRecord, response: OpenResponse, url: URL): string {
  return (
    rec.requestedName ??
    suggestFileName({
      contentDisposition: header(response.headers, 'content-disposition'),
      url,
      contentType: header(response.headers, 'content-type'),
    })
  )
}
