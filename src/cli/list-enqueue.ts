import { join } from 'node:path'
import type { Engine } from '../engine/engine.ts'
import { ERROR_CODES } from '../shared/protocol/errors.ts'
import type { AddRequest, DownloadSnapshot, DownloadUpdate } from '../shared/protocol/model.ts'
import type { CliOutput } from './cli-output.ts'
import type { Usage } from './collect-requests.ts'
import { checkCompletedFile, removeWrongFile } from './completed-file.ts'
import type { GetOptions } from './get-options.ts'

/*
 * A run's list into the engine, and its reconciliation with what an earlier run of the same
 * command left in the folder's queue: a URL the queue has continues that download with the
 * options given now (resumed, retried, or found complete at its name), any other is added.
 */

/** What a rerun asks for now replaces what the earlier run stored (cleared when left out). */
function rerunOptions(id: string, request: AddRequest): DownloadUpdate {
  return {
    id,
    checksum: request.checksum ?? null,
    headers: request.headers ?? {},
    maxTries: request.maxTries ?? null,
    maxConnections: request.maxConnections ?? null,
    speedLimit: request.speedLimit ?? 0,
    // The list's mirrors replace the stored ones (the person edited the list), none when it
    // lists none: as aria2 takes a session file's line as it is now.
    mirrors: request.mirrors ?? [],
    ...(request.ifExists ? { ifExists: request.ifExists } : {}),
  }
}

/**
 * Adds the downloads; a URL this folder's queue already has continues that download instead.
 * Its own function so the add result and the queue snapshot (thousands of entries for a long
 * list) are garbage once it returns. Returns how many were rejected for other reasons.
 */
export async function enqueue(
  engine: Engine,
  usage: Usage,
  options: GetOptions,
  {
    mine,
    finished,
    stopped,
    told,
    track,
    startsOver,
  }: {
    mine: Set<string>
    finished: Map<string, DownloadSnapshot>
    stopped: () => boolean
    told: Told
    /** `count` more downloads of this run are on their way (queued, or resumed). */
    track: (count: number) => void
    /** An earlier run's download that this run takes up from zero (see enqueueChunk). */
    startsOver: (download: DownloadSnapshot) => void
  },
  emitJson: (event: string, payload: object) => void,
  output: CliOutput,
): Promise<number> {
  let rejectedCount = 0
  for (let round = 0; ; round++) {
    const first = round === 0
    // The downloads of the chunks before start meanwhile: a 100,000-URL list (or its rerun)
    // has its first bytes coming in while the rest is still being parsed and added.
    if (!first) await new Promise((resolve) => setImmediate(resolve))
    // Interrupted: what is not in the queue yet is added by the rerun.
    if (stopped()) break
    const size = chunkSize(round)
    if (usage.requests.length < size) {
      usage.readMore(size - usage.requests.length)
      tellNew(usage, told, output)
    }
    if (usage.requests.length === 0) break
    // Taken off the list: a chunk's requests are garbage once it is added (100,000 of them
    // held for the whole run were tens of MB).
    const chunk = {
      requests: usage.requests.splice(0, size),
      labels: usage.labels.splice(0, size),
    }
    rejectedCount += await enqueueChunk(
      engine,
      chunk,
      options,
      { mine, finished, track, startsOver },
      emitJson,
      output,
    )
  }
  return rejectedCount
}

export const ENQUEUE_CHUNK = 2000
/**
 * The first chunk is small and each next one twice as large, up to ENQUEUE_CHUNK: the first
 * downloads start after 250 requests are added (and, on a rerun, matched, updated and resumed),
 * not 2,000 — the rerun of a 100,000-URL list spent ~0.3 s of CPU on its first chunk.
 */
export const FIRST_CHUNK = 250

/** How many requests the chunk of this round (0, 1, …) adds. */
export function chunkSize(round: number): number {
  return round >= 4 ? ENQUEUE_CHUNK : Math.min(ENQUEUE_CHUNK, FIRST_CHUNK * 2 ** round)
}

/** How many refused and merged lines were told so far, and whether as `--json` events too. */
export type Told = { problems: number; merged: number; notes: number; json: boolean }

/**
 * Tells the refused, merged and partly applied lines found since the last call (lists are read
 * in pieces): a line each on stderr, and with `--json` an `input/rejected`, `input/merged` or
 * `input/note` event each.
 */
export function tellNew(usage: Usage, told: Told, output: CliOutput) {
  for (; told.problems < usage.problems.length; told.problems++) {
    const { input, message } = usage.problems[told.problems]!
    output.error(`${input}: ${message}`)
    if (told.json) output.json('input/rejected', { input, message })
  }
  for (; told.merged < usage.merged.length; told.merged++) {
    const { input, message } = usage.merged[told.merged]!
    output.error(`${input}: ${message}`)
    if (told.json) output.json('input/merged', { input, message })
  }
  for (; told.notes < usage.notes.length; told.notes++) {
    const { input, message } = usage.notes[told.notes]!
    output.error(`${input}: ${message}`)
    if (told.json) output.json('input/note', { input, message })
  }
}

async function enqueueChunk(
  engine: Engine,
  { requests, labels }: { requests: AddRequest[]; labels: string[] },
  options: GetOptions,
  {
    mine,
    finished,
    track,
    startsOver,
  }: {
    mine: Set<string>
    finished: Map<string, DownloadSnapshot>
    track: (count: number) => void
    startsOver: (download: DownloadSnapshot) => void
  },
  emitJson: (event: string, payload: object) => void,
  output: CliOutput,
): Promise<number> {
  const result = await engine.add(requests)
  let rejectedCount = 0
  for (const d of result.added) mine.add(d.id)
  // Announced before anything else is awaited: no change of theirs comes before their added.
  if (options.json) for (const d of result.added) emitJson('download/added', { download: d })
  // A rerun continues the earlier downloads with the options given now (replacing the stored
  // ones), in one command each (update, resume, retry): per-download calls made a 100,000-URL
  // rerun quadratic. The update's answer says what state each download is in.
  const duplicates = result.rejected.filter(
    (r) => r.error.code === ERROR_CODES.duplicate && r.existingId,
  )
  const updated = duplicates.length
    ? await engine.update(duplicates.map((r) => rerunOptions(r.existingId!, requests[r.index]!)))
    : { updated: [] }
  const byId = new Map(updated.updated.map((d) => [d.id, d]))
  const rerun = { resume: [] as string[], retry: [] as string[] }
  const completed: { existing: DownloadSnapshot; index: number }[] = []
  for (const rejection of result.rejected) {
    const existing = rejection.existingId ? byId.get(rejection.existingId) : undefined
    if (rejection.error.code === ERROR_CODES.duplicate && existing) {
      // The same command ran before: continue that download instead of starting over.
      mine.add(existing.id)
      // Not resumable (no length, or no ranges): what the earlier run received is not continued
      // — the engine's queue keeps no durable byte count for it — so it begins at zero: said,
      // not left for the person to find in the speed of the second run.
      if (existing.state !== 'completed' && existing.resumable === false) startsOver(existing)
      if (existing.state === 'completed') completed.push({ existing, index: rejection.index })
      else if (existing.state === 'paused') rerun.resume.push(existing.id)
      else if (existing.state === 'failed') rerun.retry.push(existing.id)
      continue
    }
    rejectedCount++
    output.error(`${labels[rejection.index]}: ${rejection.error.message}`)
    if (options.json)
      emitJson('input/rejected', {
        input: labels[rejection.index],
        message: rejection.error.message,
        code: rejection.error.code,
      })
  }
  // The interrupted downloads go first: they start while the completed ones' files are looked
  // for (a rerun's list begins with what the first run completed: one file check each).
  track(result.added.length + rerun.resume.length + rerun.retry.length)
  if (options.json)
    for (const id of [...rerun.resume, ...rerun.retry])
      emitJson('download/continued', { download: byId.get(id)! })
  if (rerun.resume.length) await engine.resume({ ids: rerun.resume })
  if (rerun.retry.length) await engine.retry({ ids: rerun.retry })
  // Completed earlier but the file is gone or no longer the one completed: download it again
  // as a new download (a wrong file at its name is replaced, and the reason said).
  const again = { remove: [] as string[], add: [] as AddRequest[], labels: [] as string[] }
  const found = await Promise.all(completed.map(({ existing }) => checkCompletedFile(existing)))
  for (const [i, { existing, index }] of completed.entries()) {
    const check = found[i]!
    if (check === 'ok') {
      finished.set(existing.id, existing)
      if (options.json) emitJson('download/already-complete', { download: existing })
      else if (!options.quiet) output.out(`done      ${existing.name} (already downloaded)`)
      continue
    }
    if (check !== 'missing') {
      output.error(
        `${join(existing.dir, existing.name)} ${check.problem}; downloading it again${check.replaceable ? ' in its place' : ''}`,
      )
      if (check.replaceable) await removeWrongFile(existing)
    }
    mine.delete(existing.id)
    again.remove.push(existing.id)
    // `again`: an older download of the URL may still be listed (the window's or an aria2
    // client's "download again"); it is history, and `skip` would drop this one silently.
    again.add.push({ ...requests[index]!, onDuplicate: 'again' })
    again.labels.push(labels[index]!)
  }
  if (again.remove.length) {
    await engine.remove({ ids: again.remove })
    const readded = await engine.add(again.add)
    for (const d of readded.added) mine.add(d.id)
    if (options.json) for (const d of readded.added) emitJson('download/added', { download: d })
    track(readded.added.length)
    for (const rejection of readded.rejected) {
      rejectedCount++
      output.error(`${again.labels[rejection.index]}: ${rejection.error.message}`)
      if (options.json)
        emitJson('input/rejected', {
          input: again.labels[rejection.index],
          message: rejection.error.message,
          code: rejection.error.code,
        })
    }
  }
  return rejectedCount
}
