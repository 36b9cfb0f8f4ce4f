import { DownpourError, ERROR_CODES } from '../../shared/protocol/errors.ts'
import { redactUrl } from '../../shared/protocol/url.ts'
import type { DownloadRecord } from '../model/download-record.ts'
import { suggestFileName } from '../naming/suggest-file-name.ts'
import { claimUniqueName } from '../naming/unique-name.ts'
import { controlPathFor, readControlFile } from '../storage/control-file.ts'
import { fileExists } from '../storage/file-exists.ts'
import { PartFile } from '../storage/part-file.ts'
import type { OpenResponse } from './open-response.ts'
import { header } from './response-headers.ts'
import { judgeFileAt, takeNamed } from './take-existing.ts'
import { pathsOf, sleepUnlessStopped, type TransferState } from './transfer-state.ts'

/*
 * The download's name: the one asked for or suggested, or what its IfExists makes of a file
 * already there (take-existing.ts: complete, continued, replaced, refused), or the first free
 * ` (n)`. Each claim reaches the queue's journal before its `.part` is created, so a crash never
 * leaves a `.part` that no record names. A file at the name may be asked about before the first
 * request: existing-probe.ts.
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

/** The name asked for, or the one the server's answer and the URL suggest. */
export function suggestedName(rec: DownloadRecord, response: OpenResponse, url: URL): string {
  return (
    rec.requestedName ??
    suggestFileName({
      contentDisposition: header(response.headers, 'content-disposition'),
      url,
      contentType: header(response.headers, 'content-type'),
    })
  )
}
