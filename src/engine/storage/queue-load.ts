import { readdir, readFile, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import * as v from 'valibot'
import type { IfExists, Settings } from '../../shared/protocol/model.ts'
import { applyBlockMove } from '../../shared/protocol/block-move.ts'
import type { DownloadRecord } from '../model/download-record.ts'
import { readLines } from './line-file.ts'
import {
  applySet,
  firstIssue,
  forgetFresh,
  headerSchema,
  INVALID,
  isTempName,
  journalGen,
  journalName,
  LEGACY_FILE,
  legacySchema,
  parseJournalLine,
  parseJson,
  SNAPSHOT_FILE,
} from './queue-lines.ts'
import { decodeRecord, PLAIN_IF_EXISTS } from './record-codec.ts'
import { parseRecord } from './record-schema.ts'

/*
 * The queue's loader: runs once, before the journal writer (queue-store.ts) takes over. It reads
 * the snapshot, replays the journal lines newer than it, sets aside what it cannot read, and
 * tells the writer where the files stand (`WriterStart`).
 */

export type QueueFile = { settings: Partial<Settings>; downloads: DownloadRecord[] }

export type LoadProblem = { file: string; problem: string; movedTo: string }

export type LoadResult = {
  queue: QueueFile
  /**
   * The same records by id, the Map the load built: the scheduler keeps it as its own (a second
   * Map of a long queue is a noticeable share of its load: docs/benchmarks.md, "Figures behind
   * the engine's comments").
   */
  records: Map<string, DownloadRecord>
  /** Files that could not be read in full: set aside (renamed), what they held that parsed is kept. */
  problems: LoadProblem[]
  /** Temp files a crash left behind (inside an atomic write), deleted. */
  removedTemps: string[]
}

/** Where the files stand after a load: what the journal writer continues from. */
export type WriterStart = {
  /** The highest sequence number read: the next line gets a higher one. */
  seq: number
  /** The generation the next journal file gets (above every one found). */
  gen: number
  /** Journal generations read whole and still on disk (a set-aside one is not among them). */
  gens: number[]
  journalBytes: number
  /**
   * Of journalBytes, the `put` lines that first wrote a record the snapshot does not hold (see
   * QueueStore's #freshBytes).
   */
  freshBytes: number
  /** How many lines freshBytes counts. */
  freshLines: number
  snapshotBytes: number
  /** A version 1 `queue.json` is still there: the next snapshot replaces it. */
  legacy: boolean
  /** Something was set aside: the next snapshot must hold what was read from it. */
  mustCompact: boolean
}

/**
 * Reads the snapshot, then replays the journal lines newer than it. A torn last line (a crash
 * during an append) is ignored; any other unreadable line or file is set aside and reported,
 * and everything that did parse is kept. Temp files left by a crash are deleted.
 */
export async function loadQueue(dir: string): Promise<LoadResult & { start: WriterStart }> {
  const names = await readdir(dir)
  const removedTemps: string[] = []
  for (const name of names) {
    if (!isTempName(name)) continue
    // The state folder is locked by this engine: no other writer can own a temp file here.
    await rm(join(dir, name), { force: true })
    removedTemps.push(name)
  }
  const start: WriterStart = {
    seq: 0,
    gen: 1,
    gens: [],
    journalBytes: 0,
    freshBytes: 0,
    freshLines: 0,
    snapshotBytes: 0,
    legacy: false,
    mustCompact: false,
  }
  const problems: LoadProblem[] = []
  const records = new Map<string, DownloadRecord>()
  let order: string[] = []
  let settings: Partial<Settings> = {}
  let snapshotSeq = 0

  // One string per folder for the records of the snapshot and the journals.
  const strings = new Map<string, string>()
  const snapshotPath = join(dir, SNAPSHOT_FILE)
  const snapshot = await readSnapshot(snapshotPath, strings)
  if (snapshot) {
    for (const r of snapshot.records) {
      // One lookup per record, not a `has` and a `set`: a long queue pays each per record.
      const size = records.size
      if (records.set(r.id, r).size !== size) order.push(r.id)
    }
    settings = snapshot.settings
    snapshotSeq = snapshot.seq
    start.snapshotBytes = snapshot.bytes
    if (snapshot.problem) problems.push(await setAside(snapshotPath, snapshot.problem))
  } else if (names.includes(LEGACY_FILE)) {
    const legacy = await readLegacy(join(dir, LEGACY_FILE))
    if (typeof legacy === 'string') {
      problems.push(await setAside(join(dir, LEGACY_FILE), legacy))
    } else {
      start.legacy = true
      settings = legacy.settings
      for (const r of legacy.downloads) {
        if (!records.has(r.id)) order.push(r.id)
        records.set(r.id, r)
      }
    }
  }
  if (snapshot && names.includes(LEGACY_FILE)) start.legacy = true // a migration's leftover

  const gens = names
    .map(journalGen)
    .filter((g): g is number => g !== null)
    .sort((a, b) => a - b)
  let seq = snapshotSeq
  /**
   * A `del`, `move` or `moveTo` was replayed: `order` is no longer the Map's insertion order,
   * and may hold ids twice or ids no longer there.
   */
  let reordered = false
  for (const gen of gens) {
    const path = join(dir, journalName(gen))
    let problem: string | null = null
    let lineNo = 0
    let bytes = 0
    // Counted over the journal files in replay order, as QueueStore counts them.
    const fresh = { bytes: start.freshBytes, lines: start.freshLines }
    // This file's own, from its first line (queue-lines.ts, "A queue file's own default").
    let defaultIfExists: IfExists = PLAIN_IF_EXISTS
    await readLines(path, (text, terminated) => {
      lineNo++
      const lineBytes = Buffer.byteLength(text) + 1
      bytes += lineBytes
      if (problem || !terminated) return // after a bad line, or the torn tail of a crash
      const line = parseJournalLine(text, strings, defaultIfExists)
      if (typeof line === 'string') {
        problem = `line ${lineNo}: ${line}`
        return
      }
      if ('defaults' in line) {
        if (lineNo === 1) defaultIfExists = line.defaults.ifExists
        else problem = `line ${lineNo}: a file's defaults after its first line`
        return
      }
      if (line.s <= snapshotSeq) return
      seq = Math.max(seq, line.s)
      if ('put' in line) {
        const r = line.put as DownloadRecord
        // One lookup, as for the snapshot's records: a journal can hold a whole long list.
        const size = records.size
        if (records.set(r.id, r).size !== size) {
          order.push(r.id)
          fresh.bytes += lineBytes
          fresh.lines++
        }
      } else if ('del' in line) {
        records.delete(line.del)
        forgetFresh(fresh)
        reordered = true
      } else if ('set' in line) {
        applySet(records, line.ids, line.set)
      } else if ('move' in line) {
        reordered = true
        const [id, position] = line.move
        if (!records.has(id)) return
        order = order.filter((other) => other !== id && records.has(other))
        order.splice(Math.min(position, order.length), 0, id)
      } else if ('moveTo' in line) {
        reordered = true
        // The engine planned the move on an order without removed downloads: so is this one.
        const ids = line.ids.filter((id) => records.has(id))
        order = applyBlockMove(
          order.filter((id) => records.has(id)),
          { ids, position: line.moveTo },
        )
      } else {
        settings = line.settings
      }
    })
    if (problem) problems.push(await setAside(path, problem))
    else {
      start.gens.push(gen)
      start.journalBytes += bytes
      start.freshBytes = fresh.bytes
      start.freshLines = fresh.lines
    }
    start.gen = Math.max(start.gen, gen + 1)
  }
  start.seq = seq
  const downloads: DownloadRecord[] = []
  if (reordered) {
    // A deleted id can be in `order` no longer in `records`, or twice when it was put again
    // after its deletion: its last place is its place (a move leaves no duplicate).
    const seen = new Set<string>()
    for (let i = order.length - 1; i >= 0; i--) {
      const id = order[i]!
      const record = records.get(id)
      if (!record || seen.has(id)) continue
      seen.add(id)
      downloads.push(record)
    }
    downloads.reverse()
  } else {
    // Only puts and sets: a Map iterates in the order of first insertion, which is `order`.
    for (const record of records.values()) downloads.push(record)
  }
  // What was set aside is no longer on disk: a new snapshot must hold what was read from it.
  if (problems.length > 0) start.mustCompact = true
  return { queue: { settings, downloads }, records, problems, removedTemps, start }
}

async function readSnapshot(
  path: string,
  strings: Map<string, string>,
): Promise<{
  seq: number
  settings: Partial<Settings>
  records: DownloadRecord[]
  bytes: number
  problem: string | null
} | null> {
  let header: v.InferOutput<typeof headerSchema> | null = null
  let problem: string | null = null
  const records: DownloadRecord[] = []
  let lineNo = 0
  let bytes = 0
  // The records' default (queue-lines.ts, "A queue file's own default"), from the header.
  let defaultIfExists: IfExists = PLAIN_IF_EXISTS
  const exists = await readLines(path, (text, terminated) => {
    lineNo++
    bytes += Buffer.byteLength(text) + 1
    const value = parseJson(text)
    if (lineNo === 1) {
      const parsed = value === INVALID ? null : v.safeParse(headerSchema, value)
      if (parsed?.success) {
        header = parsed.output
        defaultIfExists = parsed.output.defaults?.ifExists ?? PLAIN_IF_EXISTS
      } else problem = `line 1 is not a queue header`
      return
    }
    // A snapshot is renamed into place complete: a bad line anywhere means damage.
    // Every record that parses is kept; the first damaged line is reported.
    if (value === INVALID || !terminated) {
      problem ??= `line ${lineNo}: not valid JSON`
      return
    }
    const parsed = Array.isArray(value)
      ? decodeRecord(value, strings, defaultIfExists)
      : parseRecord(value)
    if (parsed.ok) records.push(parsed.record as DownloadRecord)
    else problem ??= `line ${lineNo}: ${parsed.problem}`
  })
  if (!exists) return null
  const h = header as v.InferOutput<typeof headerSchema> | null
  return {
    seq: h?.seq ?? 0,
    settings: h?.settings ?? {},
    records,
    bytes,
    problem: problem ?? (h ? null : 'the file is empty'),
  }
}

async function readLegacy(path: string): Promise<QueueFile | string> {
  let value: unknown
  try {
    value = JSON.parse(await readFile(path, 'utf8'))
  } catch (error) {
    return `not valid JSON (${(error as Error).message})`
  }
  const parsed = v.safeParse(legacySchema, value)
  if (!parsed.success) return `unexpected content (${firstIssue(parsed.issues)})`
  return parsed.output as QueueFile
}

/** Renames a damaged file to `<name>.corrupt-<time>` (never deletes it) and says why. */
async function setAside(path: string, problem: string): Promise<LoadProblem> {
  const movedTo = `${path}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`
  await rename(path, movedTo)
  return { file: path, problem, movedTo }
}
