import {
  EngineMirror,
  memoryStorage,
  wholeSnapshot,
  type MirrorChange,
  type MirrorState,
} from '../shared/protocol/engine-mirror.ts'
import type { EngineEvents } from '../shared/protocol/events.ts'
import type { EventSource } from '../shared/protocol/rpc.ts'
import { DownloadTally, type DesktopSummary, type Finished } from './download-tally.ts'

/** What the feed follows: an engine client (events and `snapshot`). */
export type FeedSource = EventSource & { snapshot(): Promise<EngineEvents['engine/snapshot']> }

export type DesktopFeedOptions = {
  /** A download finished (completed or failed): for the batched notifications. */
  finished: (download: Finished) => void
  /** The figures changed (a beat, a snapshot): redraw the tray and the progress bar. */
  update: () => void
}

/**
 * Main's mirror of the engine, for the tray, the taskbar/dock progress and the notifications:
 * an EngineMirror (so a missed revision is noticed and read again, as in the window and the
 * aria2 view) whose steps feed the DownloadTally. Electron-free, so it is unit-tested.
 */
export class DesktopFeed {
  #options: DesktopFeedOptions
  #tally = new DownloadTally()
  #mirror: EngineMirror | null = null

  constructor(options: DesktopFeedOptions) {
    this.#options = options
  }

  /** Follows a new engine client (first start or restart); the previous one is let go. */
  follow(client: FeedSource): () => void {
    this.#mirror?.stop()
    const mirror = new EngineMirror({
      read: wholeSnapshot(client),
      storage: memoryStorage((change, state) => this.#step(change, state)),
    })
    this.#mirror = mirror
    mirror.follow(client)
    return () => mirror.stop()
  }

  summary(): DesktopSummary {
    return this.#tally.summary()
  }

  /** The queue as main knows it (for tests and diagnostics). */
  state(): MirrorState | null {
    return this.#mirror?.state ?? null
  }

  #step(change: MirrorChange, state: MirrorState): void {
    switch (change.name) {
      case 'engine/snapshot':
        this.#tally.snapshot({
          revision: state.revision,
          settings: state.settings!,
          downloads: state.order.map((id) => state.byId[id]!),
        })
        return this.#options.update()
      case 'snapshot/part':
        for (const download of change.downloads) this.#tally.changed(download)
        return
      case 'download/added':
      case 'download/changed':
        for (const { after } of change.entries) {
          const finished = this.#tally.changed(after)
          if (finished && change.name === 'download/changed') this.#options.finished(finished)
        }
        return
      case 'download/removed':
        for (const { id } of change.gone) this.#tally.removed(id)
        return
      case 'progress/beat':
        this.#tally.beat(change.event)
        return this.#options.update()
      default:
        // Moves and settings change nothing main shows.
        return
    }
  }
}
