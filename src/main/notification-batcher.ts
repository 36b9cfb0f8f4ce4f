import type { Finished } from './download-tally.ts'

export type DesktopNotice = { title: string; body: string }

/**
 * One notice per kind for a batch of finished downloads: "312 downloads completed", not 312
 * toasts. A single download is named.
 */
export function summarizeFinished(batch: readonly Finished[]): DesktopNotice[] {
  const completed = batch.filter((f) => f.state === 'completed')
  const failed = batch.filter((f) => f.state === 'failed')
  const notices: DesktopNotice[] = []
  if (completed.length === 1)
    notices.push({ title: 'Download completed', body: completed[0]!.name })
  else if (completed.length > 1)
    notices.push({
      title: `${completed.length} downloads completed`,
      body: names(completed),
    })
  if (failed.length === 1)
    notices.push({
      title: 'Download failed',
      body: failed[0]!.error ? `${failed[0]!.name}: ${failed[0]!.error}` : failed[0]!.name,
    })
  else if (failed.length > 1)
    notices.push({ title: `${failed.length} downloads failed`, body: names(failed) })
  return notices
}

function names(list: readonly Finished[]): string {
  const shown = list.slice(0, 3).map((f) => f.name)
  return list.length > 3 ? `${shown.join(', ')} and ${list.length - 3} more` : shown.join(', ')
}

export type Scheduler = {
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
  now(): number
}

/**
 * Collects finished downloads until things are quiet for `quietMs` (or `maxWaitMs` passed since
 * the first one), then shows one summary. The clock is injected, so tests need no waiting.
 */
export class NotificationBatcher {
  #batch: Finished[] = []
  #first = 0
  #timer: unknown = undefined
  #show: (notice: DesktopNotice) => void
  #scheduler: Scheduler
  #quietMs: number
  #maxWaitMs: number

  constructor(options: {
    show: (notice: DesktopNotice) => void
    scheduler: Scheduler
    quietMs?: number
    maxWaitMs?: number
  }) {
    this.#show = options.show
    this.#scheduler = options.scheduler
    this.#quietMs = options.quietMs ?? 1500
    this.#maxWaitMs = options.maxWaitMs ?? 5000
  }

  add(finished: Finished): void {
    const now = this.#scheduler.now()
    if (this.#batch.length === 0) this.#first = now
    this.#batch.push(finished)
    if (this.#timer !== undefined) this.#scheduler.clearTimeout(this.#timer)
    const wait = Math.max(0, Math.min(this.#quietMs, this.#first + this.#maxWaitMs - now))
    this.#timer = this.#scheduler.setTimeout(() => this.flush(), wait)
  }

  flush(): void {
    if (this.#timer !== undefined) this.#scheduler.clearTimeout(this.#timer)
    this.#timer = undefined
    const batch = this.#batch
    this.#batch = []
    for (const notice of summarizeFinished(batch)) this.#show(notice)
  }
}
