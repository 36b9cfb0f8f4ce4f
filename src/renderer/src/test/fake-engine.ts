import type {
  AddOptions,
  AddResult,
  EngineApi,
  Selection,
  SnapshotHead,
  SnapshotPart,
  UpdateResult,
} from '../../../shared/protocol/api.ts'
import { DEFAULT_SETTINGS } from '../../../shared/protocol/default-settings.ts'
import * as v from 'valibot'
import { Emitter } from '../../../shared/emitter.ts'
import { describeIssues, methodArgsSchemas } from '../../../shared/protocol/schemas.ts'
import { DownpourError, ERROR_CODES } from '../../../shared/protocol/errors.ts'
import {
  planBlockMove,
  type MovedBlock,
  type MoveTarget,
} from '../../../shared/protocol/block-move.ts'
import type { DownloadChange, EngineEvents } from '../../../shared/protocol/events.ts'
import type {
  AddRequest,
  DownloadError,
  DownloadSnapshot,
  DownloadState,
  DownloadUpdate,
  Settings,
} from '../../../shared/protocol/model.ts'
import type { EngineClient } from '../../../shared/protocol/rpc.ts'
import type {
  DownloadDetails,
  HistoryEntry,
  HistoryKind,
  SegmentMap,
} from '../../../shared/protocol/details.ts'
import type { SettingsPatchInput } from '../../../shared/protocol/setting-units.ts'
import { DEFAULT_UI_PREFERENCES } from '../../../shared/protocol/ui-preferences.ts'
import type { UiPreferences } from '../../../shared/protocol/ui-preferences.ts'
import { normalizeUrlKey, parseDownloadUrl, redactUrl } from '../../../shared/protocol/url.ts'

/**
 * An in-memory engine for renderer tests, built from the protocol types: it keeps a queue,
 * starts downloads within `maxConcurrentDownloads`, moves bytes when the test calls `beat()`,
 * and emits the same events with the same revision rules as the real engine. Nothing is
 * hard-coded per test: a test drives it with commands and beats and reads the window.
 */
export class FakeEngine implements EngineClient {
  readonly calls: { method: keyof EngineApi; args: unknown[] }[] = []
  #events = new Emitter<EngineEvents>()
  #downloads = new Map<string, DownloadSnapshot>()
  #order: string[] = []
  #revision = 0
  /** Changes gathered while a command runs (see #batched). */
  #pending: Map<string, DownloadChange> | null = null
  #seq = 0
  #nextId = 1
  /** Sizes the "server" reports per URL; unknown URLs are 1 MiB. */
  sizes = new Map<string, number | null>()
  /** When true, revisioned events are not delivered (to test gap detection). */
  dropEvents = false
  settings: Settings = {
    ...DEFAULT_SETTINGS,
    defaultDir: '/home/me/Downloads',
    maxConcurrentDownloads: 2,
    maxConnectionsPerDownload: 8,
    headers: {},
  }
  now = (): number => Date.now()
  /** Per download: its timeline, its own request headers, and how many clients watch its map. */
  #history = new Map<string, HistoryEntry[]>()
  #headers = new Map<string, Record<string, string>>()
  #watchers = new Map<string, number>()

  on<K extends keyof EngineEvents>(event: K, listener: (p: EngineEvents[K]) => void): () => void {
    return this.#events.on(event, listener)
  }

  dispose(): void {}

  async add(requests: AddRequest[], options?: AddOptions): Promise<AddResult> {
    this.calls.push({
      method: 'add',
      args: options === undefined ? [requests] : [requests, options],
    })
    const added: DownloadSnapshot[] = []
    const rejected: AddResult['rejected'] = []
    const keys = new Map([...this.#downloads.values()].map((d) => [urlKey(d.url), d.id]))
    requests.forEach((request, index) => {
      let key: string
      try {
        key = normalizeUrlKey(parseDownloadUrl(request.url))
      } catch (error) {
        const e = error as DownpourError
        rejected.push({ index, url: request.url, error: { code: e.code, message: e.message } })
        return
      }
      const existingId = keys.get(key)
      const existing = existingId === undefined ? undefined : this.#downloads.get(existingId)
      // As the engine's duplicate rule: `again` is refused only while the other one is unfinished.
      const refused =
        existing !== undefined && (request.onDuplicate !== 'again' || !isFinished(existing.state))
      if (refused) {
        rejected.push({
          index,
          url: request.url,
          error: { code: ERROR_CODES.duplicate, message: 'already in the queue' },
          existingId,
        })
        return
      }
      const id = `d${this.#nextId++}`
      const url = new URL(request.url)
      const download: DownloadSnapshot = {
        id,
        url: request.url,
        finalUrl: null,
        dir: request.dir ?? this.settings.defaultDir,
        name:
          request.name ?? (decodeURIComponent(url.pathname.split('/').pop() ?? '') || 'index.html'),
        state: request.paused ? 'paused' : 'queued',
        size: null,
        done: 0,
        speed: 0,
        eta: null,
        tries: 0,
        maxTries: request.maxTries ?? this.settings.maxTries,
        nextRetryAt: null,
        error: null,
        resumable: null,
        connections: 0,
        checksum: request.checksum ?? null,
        speedLimit: request.speedLimit ?? 0,
        maxConnections: request.maxConnections ?? null,
        createdAt: this.now(),
        completedAt: null,
      }
      keys.set(key, id)
      this.#headers.set(id, { ...request.headers })
      this.#downloads.set(id, download)
      this.#note(id, 'added', 'info', `added ${redactUrl(request.url)}`)
      this.#order.push(id)
      added.push(download)
    })
    // One event for the whole list, as the engine sends it (see EventBatch).
    if (added.length > 0)
      this.#emit('download/added', {
        revision: ++this.#revision,
        downloads: added.map((d) => ({ ...d })),
      })
    this.#batched(() => this.#pump())
    if (options?.answer === 'ids') return { added: [], ids: added.map((d) => d.id), rejected }
    return { added: added.map((d) => this.#downloads.get(d.id)!), rejected }
  }

  async update(changes: DownloadUpdate[]): Promise<UpdateResult> {
    this.calls.push({ method: 'update', args: [changes] })
    const updated: DownloadSnapshot[] = []
    const rejected: UpdateResult['rejected'] = []
    changes.forEach(({ id, ...patch }, index) => {
      const d = this.#downloads.get(id)
      if (!d) {
        rejected.push({
          index,
          id,
          error: { code: ERROR_CODES.notFound, message: `no download ${id}` },
        })
        return
      }
      const { headers: _headers, ...fields } = patch
      this.#change(id, {
        ...(fields.name !== undefined ? { name: fields.name } : {}),
        ...(fields.checksum !== undefined ? { checksum: fields.checksum } : {}),
        ...(fields.maxTries != null ? { maxTries: fields.maxTries } : {}),
        ...(fields.maxConnections !== undefined ? { maxConnections: fields.maxConnections } : {}),
        ...(fields.speedLimit !== undefined ? { speedLimit: fields.speedLimit } : {}),
      })
      updated.push(this.get(id))
    })
    return { updated, rejected }
  }

  async pause(selection: Selection): Promise<{ affected: string[] }> {
    this.calls.push({ method: 'pause', args: [selection] })
    const affected = this.#select(selection).filter(
      (d) => !isFinished(d.state) && d.state !== 'paused',
    )
    this.#batched(() => {
      for (const d of affected)
        this.#change(d.id, { state: 'paused', speed: 0, eta: null, connections: 0 })
      this.#pump()
    })
    return { affected: affected.map((d) => d.id) }
  }

  async resume(selection: Selection): Promise<{ affected: string[] }> {
    this.calls.push({ method: 'resume', args: [selection] })
    const affected = this.#select(selection).filter((d) => d.state === 'paused')
    this.#batched(() => {
      for (const d of affected) this.#change(d.id, { state: 'queued' })
      this.#pump()
    })
    return { affected: affected.map((d) => d.id) }
  }

  async retry(selection: Selection): Promise<{ affected: string[] }> {
    this.calls.push({ method: 'retry', args: [selection] })
    const affected = this.#select(selection).filter((d) => d.state === 'failed')
    this.#batched(() => {
      for (const d of affected) this.#change(d.id, { state: 'queued', error: null, tries: 0 })
      this.#pump()
    })
    return { affected: affected.map((d) => d.id) }
  }

  /**
   * Like the engine: queued or paused ones start at once, past the concurrency limit. The
   * command's own event has the paused ones queued; their transfers' start is a later event.
   */
  async startNow(selection: Selection): Promise<{ affected: string[] }> {
    this.calls.push({ method: 'startNow', args: [selection] })
    const affected = this.#select(selection).filter(
      (d) => d.state === 'queued' || d.state === 'paused',
    )
    this.#batched(() => {
      for (const d of affected) if (d.state === 'paused') this.#change(d.id, { state: 'queued' })
    })
    this.#batched(() => {
      for (const d of affected) {
        const size = this.sizes.has(d.url) ? this.sizes.get(d.url)! : 1024 * 1024
        this.#change(d.id, {
          state: 'downloading',
          size,
          tries: d.tries + 1,
          resumable: size !== null,
          connections: Math.min(4, this.settings.maxConnectionsPerDownload),
        })
      }
    })
    return { affected: affected.map((d) => d.id) }
  }

  async remove(
    selection: Selection,
    options?: { deleteFiles?: boolean },
  ): Promise<{ affected: string[] }> {
    this.calls.push({ method: 'remove', args: options ? [selection, options] : [selection] })
    const affected = this.#select(selection)
    const gone = new Set(affected.map((d) => d.id))
    for (const id of gone) this.#downloads.delete(id)
    this.#order = this.#order.filter((id) => !gone.has(id))
    if (gone.size > 0)
      this.#emit('download/removed', { revision: ++this.#revision, ids: [...gone] })
    this.#batched(() => this.#pump())
    return { affected: affected.map((d) => d.id) }
  }

  async move(id: string, position: number): Promise<MovedBlock> {
    this.calls.push({ method: 'move', args: [id, position] })
    return this.#moveMany([id], { position })
  }

  async moveMany(ids: string[], to: MoveTarget): Promise<MovedBlock> {
    this.calls.push({ method: 'moveMany', args: [ids, to] })
    return this.#moveMany(ids, to)
  }

  /** The protocol's own plan (as the scheduler's): one event with what moved, none if nothing. */
  #moveMany(ids: string[], to: MoveTarget): MovedBlock {
    const { moved, order } = planBlockMove(this.#order, ids, to)
    if (order === null) return moved
    this.#order = order
    this.#emit('download/moved', { revision: ++this.#revision, ...moved })
    return moved
  }

  async snapshot(): Promise<EngineEvents['engine/snapshot']> {
    this.calls.push({ method: 'snapshot', args: [] })
    return this.snapshotNow()
  }

  #cursors = new Map<string, { ids: string[]; at: number }>()

  /** Like the engine: the order fixed at the head, each part built when asked for. */
  async snapshotHead(first: number): Promise<SnapshotHead> {
    this.calls.push({ method: 'snapshotHead', args: [first] })
    const ids = [...this.#order]
    const cursor = first < ids.length ? `c${this.#cursors.size + 1}` : null
    if (cursor !== null) this.#cursors.set(cursor, { ids, at: first })
    return {
      revision: this.#revision,
      downloads: this.#current(ids.slice(0, first)),
      total: ids.length,
      settings: { ...this.settings },
      cursor,
    }
  }

  async snapshotPart(cursor: string, count: number): Promise<SnapshotPart> {
    this.calls.push({ method: 'snapshotPart', args: [cursor, count] })
    const open = this.#cursors.get(cursor)
    if (!open) throw new DownpourError(ERROR_CODES.notFound, `no snapshot cursor ${cursor}`)
    const downloads = this.#current(open.ids.slice(open.at, open.at + count))
    open.at += count
    if (open.at < open.ids.length) return { downloads, cursor }
    this.#cursors.delete(cursor)
    return { downloads, cursor: null }
  }

  #current(ids: readonly string[]): DownloadSnapshot[] {
    return ids.flatMap((id) => {
      const d = this.#downloads.get(id)
      return d ? [{ ...d }] : []
    })
  }

  snapshotNow(): EngineEvents['engine/snapshot'] {
    return {
      revision: this.#revision,
      downloads: this.#order.map((id) => ({ ...this.#downloads.get(id)! })),
      settings: { ...this.settings },
    }
  }

  async updateSettings(input: SettingsPatchInput): Promise<Settings> {
    this.calls.push({ method: 'updateSettings', args: [input] })
    // The protocol's own schema, refused with the RPC server's wording: units parsed, bounds
    // checked, "updateSettings: 0.field: reason" for the first bad field.
    const parsed = v.safeParse(methodArgsSchemas.updateSettings, [input])
    if (!parsed.success)
      throw new DownpourError(
        ERROR_CODES.invalidArgument,
        `updateSettings: ${describeIssues(parsed.issues)}`,
      )
    const patch = parsed.output[0] as Partial<Settings>
    this.settings = { ...this.settings, ...patch }
    this.#emit('settings/changed', { revision: ++this.#revision, settings: { ...this.settings } })
    this.#pump()
    return { ...this.settings }
  }

  /**
   * Like the engine: only for a paused or failed download, only for the same file (the size the
   * "server" reports for the new URL, `sizes`, must match), never when the bytes so far cannot
   * be resumed; a refusal changes nothing.
   */
  async changeUrl(id: string, url: string): Promise<DownloadSnapshot> {
    this.calls.push({ method: 'changeUrl', args: [id, url] })
    parseDownloadUrl(url)
    const d = this.#get(id)
    if (d.state !== 'paused' && d.state !== 'failed')
      throw new DownpourError(
        ERROR_CODES.invalidState,
        `${d.name} is ${d.state}, not paused or failed`,
      )
    const size = this.sizes.has(url) ? this.sizes.get(url)! : 1024 * 1024
    if (d.size !== null && size !== d.size)
      throw new DownpourError(
        ERROR_CODES.differentFile,
        `the new URL serves ${size ?? 'an unknown number of'} bytes, not ${d.size}: not the same file`,
      )
    if (d.done > 0 && d.resumable === false)
      throw new DownpourError(
        ERROR_CODES.notResumable,
        'the new URL does not honour ranges: the bytes so far would be fetched again',
      )
    this.#note(id, 'url-changed', 'info', `URL changed to ${redactUrl(url)}`)
    // As the engine: a paused download stays paused, a failed one is queued again.
    this.#change(id, { url, state: d.state === 'paused' ? 'paused' : 'queued', error: null })
    this.#pump()
    return this.get(id)
  }

  /**
   * Like the engine: a relative path is refused whole; each download not queued, paused or
   * failed is refused with its reason; the rest take the folder (a failed one waits again), in
   * one `download/changed`.
   */
  async changeFolder(ids: string[], dir: string): Promise<UpdateResult> {
    this.calls.push({ method: 'changeFolder', args: [ids, dir] })
    if (!dir.startsWith('/'))
      throw new DownpourError(
        ERROR_CODES.invalidArgument,
        `the folder must be an absolute path: ${dir}`,
      )
    const result: UpdateResult = { updated: [], rejected: [] }
    this.#batched(() => {
      ids.forEach((id, index) => {
        const d = this.#get(id)
        if (d.state !== 'queued' && d.state !== 'paused' && d.state !== 'failed') {
          const error = { code: ERROR_CODES.invalidState, message: `"${d.name}" is ${d.state}` }
          result.rejected.push({ index, id, error })
          return
        }
        this.#change(id, {
          dir,
          done: 0,
          ...(d.state === 'failed' ? { state: 'queued', error: null } : {}),
        })
        result.updated.push(this.get(id))
      })
    })
    this.#pump()
    return result
  }

  /** Completed downloads whose file a test deleted (what `checkFiles` finds gone). */
  readonly deletedFiles = new Set<string>()

  async checkFiles(selection: Selection): Promise<{ missing: string[] }> {
    this.calls.push({ method: 'checkFiles', args: [selection] })
    const completed = this.#select(selection).filter((d) => d.state === 'completed')
    this.#batched(() => {
      for (const d of completed) {
        const gone = this.deletedFiles.has(d.id)
        if (gone === (d.fileMissing === true)) continue
        if (gone) this.#change(d.id, { fileMissing: true })
        else {
          const { fileMissing: _gone, ...rest } = this.#get(d.id)
          this.#downloads.set(d.id, rest)
          this.#change(d.id, {})
        }
      }
    })
    return { missing: completed.filter((d) => this.deletedFiles.has(d.id)).map((d) => d.id) }
  }

  async details(id: string): Promise<DownloadDetails> {
    this.calls.push({ method: 'details', args: [id] })
    const d = this.#get(id)
    const path = `${d.dir}/${d.name}`
    const headers: Record<string, string> = { 'user-agent': this.settings.userAgent }
    for (const [name, value] of Object.entries({
      ...this.settings.headers,
      ...this.#headers.get(id),
    }))
      headers[name.toLowerCase()] = /authorization|cookie|token|key/i.test(name)
        ? '[redacted]'
        : value
    return {
      download: { ...d },
      path,
      partPath: d.state === 'completed' || d.done === 0 ? null : `${path}.part`,
      etag: null,
      lastModified: null,
      requestHeaders: headers,
      history: (this.#history.get(id) ?? []).map((entry) => ({ ...entry })),
      historyDropped: 0,
    }
  }

  async watchSegments(id: string): Promise<SegmentMap> {
    this.calls.push({ method: 'watchSegments', args: [id] })
    const d = this.#get(id)
    this.#watchers.set(id, (this.#watchers.get(id) ?? 0) + 1)
    return segmentMap(d)
  }

  async unwatchSegments(id: string): Promise<void> {
    this.calls.push({ method: 'unwatchSegments', args: [id] })
    const n = (this.#watchers.get(id) ?? 0) - 1
    if (n > 0) this.#watchers.set(id, n)
    else this.#watchers.delete(id)
  }

  /** Ids some client watches now (`watchSegments` minus `unwatchSegments`). */
  get watched(): string[] {
    return [...this.#watchers.keys()]
  }

  #ui: UiPreferences = structuredClone(DEFAULT_UI_PREFERENCES)

  async uiPreferences(): Promise<UiPreferences> {
    this.calls.push({ method: 'uiPreferences', args: [] })
    return structuredClone(this.#ui)
  }

  async updateUiPreferences(patch: Partial<UiPreferences>): Promise<UiPreferences> {
    this.calls.push({ method: 'updateUiPreferences', args: [patch] })
    this.#ui = { ...this.#ui, ...structuredClone(patch) }
    this.#events.emit('ui/changed', { preferences: structuredClone(this.#ui) })
    return structuredClone(this.#ui)
  }

  // ---- what a test drives: time passing on the "network" ----

  /**
   * One heartbeat: every downloading download receives `bytes` (at `bytes * 4` B/s, the beat
   * being 250 ms); those that reach their size complete. Emits one `progress/beat`.
   */
  beat(bytes = 256 * 1024): void {
    const items: EngineEvents['progress/beat']['items'] = []
    for (const id of this.#order) {
      const d = this.#downloads.get(id)!
      if (d.state !== 'downloading') continue
      const done = d.size === null ? d.done + bytes : Math.min(d.size, d.done + bytes)
      const speed = bytes * 4
      const eta = d.size === null ? null : (d.size - done) / speed
      this.#downloads.set(id, { ...d, done, speed, eta, connections: d.connections })
      items.push({ id, done, size: d.size, speed, eta, connections: d.connections })
    }
    const speed = items.reduce((sum, item) => sum + item.speed, 0)
    this.#events.emit('progress/beat', {
      seq: ++this.#seq,
      at: this.now(),
      revision: this.#revision,
      speed,
      active: items.length,
      items,
    })
    const maps = items
      .filter((item) => this.#watchers.has(item.id))
      .map((item) => segmentMap(this.#downloads.get(item.id)!))
    if (maps.length > 0)
      this.#events.emit('segments/beat', { seq: this.#seq, at: this.now(), items: maps })
    for (const item of items) {
      const d = this.#downloads.get(item.id)!
      if (d.size !== null && d.done >= d.size)
        this.#change(d.id, {
          state: 'completed',
          speed: 0,
          eta: 0,
          connections: 0,
          completedAt: this.now(),
        })
    }
    this.#pump()
  }

  /** The server answered with an error: retried later while tries remain, else failed. */
  fail(id: string, error: DownloadError, options: { retryable?: boolean; waitMs?: number } = {}) {
    const d = this.#get(id)
    const tries = d.tries
    const canRetry = options.retryable === true && (d.maxTries === 0 || tries < d.maxTries)
    const status = /^(\d{3})\b/.exec(error.message)?.[1]
    this.#note(id, canRetry ? 'retry' : 'failed', canRetry ? 'warn' : 'error', error.message, {
      error,
      ...(status ? { status: Number(status) } : {}),
    })
    this.#change(
      id,
      canRetry
        ? {
            state: 'retrying',
            error,
            nextRetryAt: this.now() + (options.waitMs ?? 4000),
            speed: 0,
            connections: 0,
          }
        : { state: 'failed', error, speed: 0, eta: null, connections: 0 },
    )
    this.#pump()
  }

  /** Marks whether the server honours ranges (learned when the response starts). */
  setResumable(id: string, resumable: boolean): void {
    this.#change(id, { resumable })
  }

  setState(id: string, state: DownloadState, patch: Partial<DownloadSnapshot> = {}): void {
    this.#change(id, { state, ...patch })
  }

  get(id: string): DownloadSnapshot {
    return { ...this.#get(id) }
  }

  get order(): readonly string[] {
    return this.#order
  }

  #pump(): void {
    let running = [...this.#downloads.values()].filter((d) =>
      ['probing', 'downloading', 'verifying', 'retrying'].includes(d.state),
    ).length
    for (const id of this.#order) {
      if (running >= this.settings.maxConcurrentDownloads) break
      const d = this.#downloads.get(id)!
      if (d.state !== 'queued') continue
      running++
      const size = this.sizes.has(d.url) ? this.sizes.get(d.url)! : 1024 * 1024
      this.#change(id, {
        state: 'downloading',
        size,
        tries: d.tries + 1,
        resumable: size !== null,
        connections: Math.min(4, this.settings.maxConnectionsPerDownload),
      })
    }
  }

  #get(id: string): DownloadSnapshot {
    const d = this.#downloads.get(id)
    if (!d) throw new DownpourError(ERROR_CODES.notFound, `no download ${id}`)
    return d
  }

  #change(id: string, patch: Partial<DownloadSnapshot>): void {
    const previous = this.#get(id)
    const download = { ...previous, ...patch }
    this.#downloads.set(id, download)
    if (download.state !== previous.state) this.#noteState(previous, download)
    const change = { download: { ...download }, previousState: previous.state }
    // As the engine's EventBatch: a download changed twice in one command is named once, as it
    // is at the end, with the state its client last heard of.
    const gathered = this.#pending?.get(id)
    if (gathered) gathered.download = change.download
    else if (this.#pending) this.#pending.set(id, change)
    else this.#emit('download/changed', { revision: ++this.#revision, changes: [change] })
  }

  /** Changes made by `work` go out as one `download/changed`, as a command's do from the engine. */
  #batched(work: () => void): void {
    if (this.#pending) return work()
    const pending = new Map<string, DownloadChange>()
    this.#pending = pending
    try {
      work()
    } finally {
      this.#pending = null
    }
    if (pending.size > 0)
      this.#emit('download/changed', { revision: ++this.#revision, changes: [...pending.values()] })
  }

  #note(
    id: string,
    kind: HistoryKind,
    level: HistoryEntry['level'],
    message: string,
    extra: Partial<HistoryEntry> = {},
  ): void {
    const list = this.#history.get(id) ?? []
    list.push({ at: this.now(), level, kind, message, ...extra })
    this.#history.set(id, list)
  }

  /** The timeline entries a state change makes (failures and retries are noted by `fail`). */
  #noteState(previous: DownloadSnapshot, d: DownloadSnapshot): void {
    if (d.state === 'downloading')
      this.#note(d.id, 'attempt', 'info', `try ${d.tries} from byte ${d.done}`)
    else if (d.state === 'paused') this.#note(d.id, 'paused', 'info', 'paused')
    else if (d.state === 'queued' && previous.state === 'paused')
      this.#note(d.id, 'resumed', 'info', 'resumed')
    else if (d.state === 'completed') this.#note(d.id, 'completed', 'info', 'completed')
  }

  #select(selection: Selection): DownloadSnapshot[] {
    if ('all' in selection) return this.#order.map((id) => this.#downloads.get(id)!)
    return selection.ids.map((id) => this.#get(id))
  }

  #emit<K extends keyof EngineEvents>(name: K, payload: EngineEvents[K]): void {
    if (this.dropEvents) return
    this.#events.emit(name, payload)
  }
}

/**
 * The fake's connection map: the file split evenly among the download's connections, its bytes
 * so far spread evenly over them (each connection's received part is finished).
 */
function segmentMap(d: DownloadSnapshot): SegmentMap {
  if (d.size === null) return { id: d.id, size: null, finished: [], connections: [] }
  const n = d.state === 'downloading' ? Math.max(1, d.connections) : 0
  if (n === 0)
    return { id: d.id, size: d.size, finished: d.done > 0 ? [[0, d.done]] : [], connections: [] }
  const part = Math.ceil(d.size / n)
  const share = Math.floor(d.done / n)
  const connections = Array.from({ length: n }, (_, i) => {
    const start = i * part
    const end = Math.min(d.size!, start + part)
    return { start, pos: Math.min(end, start + share), end }
  }).filter((c) => c.start < c.end)
  const finished = connections
    .filter((c) => c.pos > c.start)
    .map((c): [number, number] => [c.start, c.pos])
  return { id: d.id, size: d.size, finished, connections }
}

function isFinished(state: DownloadState): boolean {
  return state === 'completed' || state === 'failed' || state === 'removed'
}

function urlKey(url: string): string {
  return normalizeUrlKey(new URL(url))
}
