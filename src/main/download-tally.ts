import type { EngineEvents } from '../shared/protocol/events.ts'
import type { DownloadSnapshot, DownloadState } from '../shared/protocol/model.ts'
import { formatBytes } from '../shared/format.ts'

type Row = { name: string; state: DownloadState; done: number; size: number | null }

/** A download that just finished, for notifications. */
export type Finished = { id: string; name: string; state: 'completed' | 'failed'; error?: string }

/** What the taskbar/dock and the tray show. */
export type DesktopSummary = {
  /** 0..1 over running downloads with a known size; -1 clears the bar (idle). */
  progress: number
  mode: 'normal' | 'error' | 'none'
  active: number
  failed: number
  speed: number
  tooltip: string
}

const RUNNING: ReadonlySet<DownloadState> = new Set([
  'probing',
  'downloading',
  'verifying',
  'retrying',
  'queued',
])

/**
 * Main's own view of the downloads, fed by its engine client's events, for the desktop
 * integration: progress bar, tray tooltip, and which downloads just finished (notifications).
 * Electron-free so that the aggregation is unit-tested.
 */
export class DownloadTally {
  #rows = new Map<string, Row>()
  #speed = 0
  #active = 0

  snapshot(snapshot: EngineEvents['engine/snapshot']): void {
    this.#rows = new Map(snapshot.downloads.map((d) => [d.id, row(d)]))
  }

  /** Applies a state event; returns the download if this event finished it. */
  changed(download: DownloadSnapshot): Finished | null {
    const before = this.#rows.get(download.id)?.state
    this.#rows.set(download.id, row(download))
    if (before === download.state) return null
    if (download.state === 'completed')
      return { id: download.id, name: download.name, state: 'completed' }
    if (download.state === 'failed')
      return {
        id: download.id,
        name: download.name,
        state: 'failed',
        ...(download.error ? { error: download.error.message } : {}),
      }
    return null
  }

  removed(id: string): void {
    this.#rows.delete(id)
  }

  beat(beat: EngineEvents['progress/beat']): void {
    this.#speed = beat.speed
    this.#active = beat.active
    for (const item of beat.items) {
      const current = this.#rows.get(item.id)
      if (current) this.#rows.set(item.id, { ...current, done: item.done, size: item.size })
    }
  }

  summary(): DesktopSummary {
    let done = 0
    let size = 0
    let running = 0
    let failed = 0
    for (const r of this.#rows.values()) {
      if (r.state === 'failed') failed++
      if (!RUNNING.has(r.state)) continue
      running++
      if (r.size !== null && r.size > 0) {
        done += Math.min(r.done, r.size)
        size += r.size
      }
    }
    const progress = running === 0 ? (failed > 0 ? 1 : -1) : size > 0 ? done / size : 0
    const mode = failed > 0 ? 'error' : running > 0 ? 'normal' : 'none'
    const active = this.#active
    const tooltip =
      running === 0
        ? failed > 0
          ? `Downpour — ${failed} failed`
          : 'Downpour — idle'
        : `Downpour — ${active} active · ${formatBytes(Math.round(this.#speed))}/s` +
          (failed > 0 ? ` · ${failed} failed` : '')
    return { progress, mode, active, failed, speed: this.#speed, tooltip }
  }
}

function row(d: DownloadSnapshot): Row {
  return { name: d.name, state: d.state, done: d.done, size: d.size }
}
