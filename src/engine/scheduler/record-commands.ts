import type { AddOptions, AddResult, EngineApi, UpdateResult } from '../../shared/protocol/api.ts'
import { DownpourError, ERROR_CODES } from '../../shared/protocol/errors.ts'
import { EVENT_ROWS } from '../../shared/protocol/events.ts'
import type { AddRequest, DownloadSnapshot, DownloadUpdate } from '../../shared/protocol/model.ts'
import { replaceUrl } from '../details/replace-url.ts'
import type { DownloadHistory } from '../details/download-history.ts'
import type { DownloadRecord } from '../model/download-record.ts'
import type { QueueStore } from '../storage/queue-store.ts'
import { applyUpdate, finishRecord, prepareRecord } from './build-record.ts'
import type { ChangePublisher } from './change-publisher.ts'
import type { DownloadPump } from './download-pump.ts'
import { carryFromEarlier } from './again-carry.ts'
import { notFound, type DownloadTable } from './download-table.ts'
import { urlKeyOf } from './duplicate-index.ts'
import { duplicateMessage, duplicateOf } from './duplicate-rule.ts'
import type { EventBatch } from './event-batch.ts'
import type { SettingsHolder } from './settings-holder.ts'
import type { TransferRuns } from './transfer-runs.ts'

export type RecordCommandParts = {
  table: DownloadTable
  store: QueueStore | null
  pump: DownloadPump
  runs: TransferRuns
  publisher: ChangePublisher
  batch: EventBatch
  history: DownloadHistory
  config: SettingsHolder
  closed(): boolean
  snapshotOf(record: DownloadRecord): DownloadSnapshot
}

/**
 * The commands that make records and change them: `add` (a list checked entry by entry
 * against the duplicate index, in parts), `update` (options) and `changeUrl`. An entry of a
 * list that fails is rejected with its reason; the others go ahead.
 */
export class RecordCommands {
  #p: RecordCommandParts

  constructor(parts: RecordCommandParts) {
    this.#p = parts
  }

  /**
   * Adds in parts of `EVENT_ROWS`: each part is one `download/added`, its first downloads start
   * at once, and the loop yields between parts so the engine beats and transfers begin while a
   * 100,000-URL list is still being listed. With `{ answer: 'ids' }` the answer names the new
   * downloads instead of repeating them (their events carry them in full); with
   * `{ answer: 'refusals' }` it holds only what was refused.
   */
  async add(requests: Parameters<EngineApi['add']>[0], options?: AddOptions): Promise<AddResult> {
    const result: AddResult =
      options?.answer === 'ids' ? { added: [], ids: [], rejected: [] } : { added: [], rejected: [] }
    const whole = options?.answer === undefined || options.answer === 'downloads'
    for (let start = 0; start < requests.length; start += EVENT_ROWS) {
      if (start > 0) await new Promise((resolve) => setImmediate(resolve))
      const end = Math.min(requests.length, start + EVENT_ROWS)
      await this.#p.batch.run(() => {
        for (let index = start; index < end; index++)
          this.#addOne(requests[index], index, result, whole)
        this.#p.pump.pump()
      })
    }
    return result
  }

  #addOne(request: AddRequest | undefined, index: number, result: AddResult, whole: boolean): void {
    const p = this.#p
    if (p.closed()) {
      result.rejected.push({
        index,
        url: String(request?.url),
        error: { code: ERROR_CODES.cancelled, message: 'the engine is shutting down' },
      })
      return
    }
    const url = typeof request?.url === 'string' ? request.url : String(request?.url)
    try {
      // The key first: a rerun's 100,000 duplicates cost no record, name or id each.
      const prepared = carryFromEarlier(prepareRecord(request, p.config.current.defaultDir), (id) =>
        p.table.get(id),
      )
      const existing = duplicateOf(p.table.duplicates, prepared)
      if (existing) {
        const other = p.table.get(existing)!
        result.rejected.push({
          index,
          url,
          existingId: existing,
          error: { code: ERROR_CODES.duplicate, message: duplicateMessage(other, prepared) },
        })
        return
      }
      const record = finishRecord(prepared)
      p.table.insert(record)
      p.store?.added(record)
      p.pump.enqueue(record)
      const download = p.snapshotOf(record)
      p.history.added(record)
      if (result.ids) result.ids.push(record.id)
      else if (whole) result.added.push(download)
      p.batch.added(record.id, download)
    } catch (error) {
      result.rejected.push({ index, url, error: asEngineError(error).toJSON() })
    }
  }

  update(changes: DownloadUpdate[]): UpdateResult {
    const p = this.#p
    const result: UpdateResult = { updated: [], rejected: [] }
    const table = p.table
    changes.forEach((change, index) => {
      const id = typeof change?.id === 'string' ? change.id : String(change?.id)
      table.work.visited++
      const record = table.get(id)
      try {
        if (!record) throw notFound(id)
        const next = applyUpdate(record, change)
        const renamed = next.requestedName !== record.requestedName
        if (renamed) {
          const key = {
            urlKey: urlKeyOf(record.url),
            dir: record.dir,
            requestedName: next.requestedName,
          }
          if (table.duplicates.find(key, id) !== undefined) {
            throw new DownpourError(
              ERROR_CODES.duplicate,
              `another download already saves this URL as "${next.name}" in ${record.dir}`,
            )
          }
        }
        // A rerun sends every option again: unchanged ones cost no event and no journal line.
        if (sameOptions(record, next)) {
          result.updated.push(p.snapshotOf(record))
          return
        }
        if (renamed) table.duplicates.delete(record)
        const newSources = JSON.stringify(next.mirrors) !== JSON.stringify(record.mirrors)
        Object.assign(record, next)
        if (renamed) table.duplicates.add(record)
        p.runs.speedLimitChanged(record)
        // New mirrors (a rerun's edited list, an edit in the window) are used from now on,
        // also by a download that is running (the engine resumed it when it opened).
        if (newSources && p.runs.running.has(record.id))
          void p.runs.requeue(record).then(
            () => p.pump.pump(),
            (error: unknown) =>
              p.publisher.log(
                'warn',
                record.id,
                `could not restart with the new mirrors: ${String(error)}`,
              ),
          )
        p.publisher.changed(record)
        result.updated.push(p.snapshotOf(record))
      } catch (error) {
        result.rejected.push({ index, id, error: asEngineError(error).toJSON() })
      }
    })
    return result
  }

  /**
   * The same file from another URL (replace-url.ts checks that it is): the download keeps its
   * bytes, a paused one stays paused and a failed one waits again.
   */
  async changeUrl(id: string, url: string): Promise<DownloadSnapshot> {
    const p = this.#p
    const table = p.table
    const record = table.require(id)
    // A download announces `failed` before its transfer has made its last bytes durable (and
    // written their control file): let that finish, or the bytes would be judged missing.
    if (record.state === 'failed') await p.runs.running.get(id)?.run()
    const { from, to, droppedHeaders } = await replaceUrl(record, url, {
      dispatcher: p.config.dispatcher,
      settings: p.config.current,
      duplicateOf: (key) => {
        const other = table.duplicates.find(key, id)
        return other !== undefined ? (table.get(other) ?? null) : null
      },
      // The index holds the record under its URL: out before it changes, back in after.
      urlChanging: () => table.duplicates.delete(record),
      urlChanged: () => table.duplicates.add(record),
    })
    const left = droppedHeaders.length > 0 ? ` (not sent there: ${droppedHeaders.join(', ')})` : ''
    p.history.note(id, 'url-changed', `URL changed from ${from} to ${to}${left}`)
    // A paused download stays paused (the person resumes it when they choose); a failed one
    // is queued again: the new URL is the fix it waited for.
    if (record.state === 'paused') p.publisher.changed(record)
    else p.publisher.setState(record, 'queued')
    await p.store?.flush()
    p.pump.pump()
    return p.snapshotOf(record)
  }
}

function sameOptions(record: DownloadRecord, next: Partial<DownloadRecord>): boolean {
  for (const [key, value] of Object.entries(next)) {
    const current = record[key as keyof DownloadRecord]
    if (value === current) continue
    // checksum and headers are small objects: equal when their JSON is.
    if (typeof value !== 'object' || JSON.stringify(value) !== JSON.stringify(current)) return false
  }
  return true
}

function asEngineError(error: unknown): DownpourError {
  return error instanceof DownpourError
    ? error
    : new DownpourError(ERROR_CODES.internal, String(error))
}
