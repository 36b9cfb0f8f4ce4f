import { readFile, rename } from 'node:fs/promises'
import * as v from 'valibot'
import { writeFileAtomic } from './atomic-file.ts'
import { DOWNLOAD_STATES, type Settings } from '../../shared/protocol/model.ts'
import { checksumSchema, settingsPatchSchema } from '../../shared/protocol/schemas.ts'
import type { DownloadRecord } from '../scheduler/download-record.ts'

/**
 * Coalescing window for queue writes: a burst of state changes (2,000 small files finishing)
 * costs one write per window, not one per change. Byte progress is not in the queue (the
 * control files hold it), so this only delays state changes, never loses data.
 */
const SAVE_DELAY_MS = 250

const recordSchema = v.object({
  id: v.string(),
  url: v.string(),
  key: v.string(),
  dir: v.string(),
  requestedName: v.nullable(v.string()),
  name: v.string(),
  nameChosen: v.boolean(),
  state: v.picklist(DOWNLOAD_STATES),
  size: v.nullable(v.number()),
  done: v.number(),
  tries: v.number(),
  failuresInARow: v.number(),
  maxTries: v.nullable(v.number()),
  nextRetryAt: v.nullable(v.number()),
  error: v.nullable(v.object({ code: v.string(), message: v.string() })),
  resumable: v.nullable(v.boolean()),
  etag: v.nullable(v.string()),
  lastModified: v.nullable(v.string()),
  finalUrl: v.nullable(v.string()),
  checksum: v.nullable(checksumSchema),
  headers: v.record(v.string(), v.string()),
  speedLimit: v.number(),
  maxConnections: v.nullable(v.number()),
  createdAt: v.number(),
  completedAt: v.nullable(v.number()),
})

const queueFileSchema = v.object({
  version: v.literal(1),
  settings: settingsPatchSchema,
  downloads: v.array(recordSchema),
})

export type QueueFile = { settings: Partial<Settings>; downloads: DownloadRecord[] }

export type LoadResult =
  | { kind: 'empty' }
  | { kind: 'loaded'; queue: QueueFile }
  | { kind: 'corrupt'; problem: string; movedTo: string }

/**
 * The persisted queue: every download with its options and state, plus settings. Written
 * atomically (temp + fsync + rename) on every change, coalesced; a corrupt file is set aside
 * (renamed, never deleted) and reported so the user can still recover it by hand.
 */
export class QueueStore {
  readonly path: string
  #snapshot: () => QueueFile
  #timer: NodeJS.Timeout | null = null
  #writing: Promise<void> | null = null
  #dirty = false
  #onError: (error: Error) => void
  /**
   * Each record's JSON as of its last change. A save re-serializes only the records that
   * changed since the one before: with thousands of downloads, stringifying all of them every
   * window made the queue file cost O(queue) per change burst (6 × 12 ms on 2,000 small files).
   */
  #json = new WeakMap<DownloadRecord, string>()

  constructor(path: string, snapshot: () => QueueFile, onError: (error: Error) => void) {
    this.path = path
    this.#snapshot = snapshot
    this.#onError = onError
  }

  async load(): Promise<LoadResult> {
    let text: string
    try {
      text = await readFile(this.path, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'empty' }
      throw error
    }
    let problem: string
    try {
      const parsed = v.safeParse(queueFileSchema, JSON.parse(text))
      if (parsed.success) {
        return { kind: 'loaded', queue: parsed.output as QueueFile }
      }
      problem = `unexpected content (${v.getDotPath(parsed.issues[0]) ?? 'root'}: ${parsed.issues[0].message})`
    } catch (error) {
      problem = `not valid JSON (${(error as Error).message})`
    }
    const movedTo = `${this.path}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`
    await rename(this.path, movedTo)
    return { kind: 'corrupt', problem, movedTo }
  }

  /**
   * A record's persisted fields changed: its JSON is made again at the next save. Every change
   * to a record that should reach the file must come through here (byte progress need not:
   * the control files hold it, and a record's `done` is saved with its next state change).
   */
  changed(record: DownloadRecord): void {
    this.#json.delete(record)
  }

  /** Asks for a save soon; many calls within the window cost one write. */
  schedule(): void {
    this.#dirty = true
    if (this.#timer || this.#writing) return
    this.#timer = setTimeout(() => {
      this.#timer = null
      void this.#write()
    }, SAVE_DELAY_MS)
  }

  /** Writes now if anything changed, and waits for it. */
  async flush(): Promise<void> {
    if (this.#timer) {
      clearTimeout(this.#timer)
      this.#timer = null
    }
    while (this.#writing) await this.#writing
    if (this.#dirty) await this.#write()
  }

  #write(): Promise<void> {
    this.#dirty = false
    const { settings, downloads } = this.#snapshot()
    const records = downloads.map((record) => {
      let json = this.#json.get(record)
      if (json === undefined) this.#json.set(record, (json = JSON.stringify(record)))
      return json
    })
    // The same document JSON.stringify({ version, settings, downloads }) would make.
    const text = `{"version":1,"settings":${JSON.stringify(settings)},"downloads":[${records.join(',')}]}`
    this.#writing = writeFileAtomic(this.path, text)
      .catch((error: unknown) => this.#onError(error as Error))
      .finally(() => {
        this.#writing = null
        if (this.#dirty) this.schedule()
      })
    return this.#writing
  }
}
