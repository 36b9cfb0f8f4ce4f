import type { EngineEvents, ProgressItem } from '../../shared/protocol/events.ts'
import { etaSeconds, SpeedMeter } from './speed-meter.ts'

export type ActiveFigures = {
  id: string
  done: number
  size: number | null
  connections: number
  downloading: boolean
  /**
   * False while the transfer is still reading what is already on disk: its `done` may jump to
   * what a pause left (50 MB in one beat read as 200 MB/s after Resume all), so it is not
   * sampled; the first beat after is the meters' starting point.
   */
  counting: boolean
}

type Beat = Omit<EngineEvents['progress/beat'], 'revision'>

/**
 * Samples the byte counters of running downloads on a fixed beat and emits ONE batched progress
 * event per beat with the downloads whose figures changed — never an event per chunk. The beat
 * also runs when nothing moves: its `seq` is the engine's liveness signal.
 */
export class ProgressHeartbeat {
  readonly intervalMs: number
  #sample: () => ActiveFigures[]
  #emit: (beat: Beat) => void
  #timer: NodeJS.Timeout | null = null
  #seq = 0
  #meters = new Map<string, SpeedMeter>()
  #lastSent = new Map<string, string>()
  #overall = new SpeedMeter()
  #overallBytes = 0
  #lastDone = new Map<string, number>()
  /** When each running download's bytes last grew (or it started): DownloadSnapshot.lastByteAt. */
  #movedAt = new Map<string, number>()

  constructor(intervalMs: number, sample: () => ActiveFigures[], emit: (beat: Beat) => void) {
    this.intervalMs = intervalMs
    this.#sample = sample
    this.#emit = emit
  }

  start(): void {
    this.#timer ??= setInterval(() => this.beat(), this.intervalMs)
    this.#timer.unref()
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer)
    this.#timer = null
  }

  track(id: string, now = Date.now()): void {
    if (!this.#meters.has(id)) this.#meters.set(id, new SpeedMeter())
    if (!this.#movedAt.has(id)) this.#movedAt.set(id, now)
  }

  untrack(id: string): void {
    this.#meters.delete(id)
    this.#lastSent.delete(id)
    this.#lastDone.delete(id)
    this.#movedAt.delete(id)
  }

  /** Current speed/ETA of one download (zero when it is not running). */
  figures(
    id: string,
    record: { done: number; size: number | null },
  ): { speed: number; eta: number | null; lastByteAt?: number } {
    const speed = Math.round(this.#meters.get(id)?.speed ?? 0)
    // One shape whether or not it runs (lastByteAt undefined): every snapshot built from it
    // is then one literal of one map, not a copy with a property more (see toSnapshot).
    return {
      speed,
      eta: etaSeconds(record.done, record.size, speed),
      lastByteAt: this.#movedAt.get(id),
    }
  }

  /** One beat: sample, smooth, emit the changed rows. Public so tests can drive it. */
  beat(now = Date.now()): void {
    const items: ProgressItem[] = []
    let active = 0
    for (const f of this.#sample()) {
      const meter = this.#meters.get(f.id)
      if (!meter) continue
      if (f.downloading) active++
      if (!f.counting) continue
      const previous = this.#lastDone.get(f.id)
      if (previous !== undefined && f.done > previous) {
        this.#overallBytes += f.done - previous
        this.#movedAt.set(f.id, now)
      }
      this.#lastDone.set(f.id, f.done)
      const speed = Math.round(meter.sample(f.done, now))
      const item: ProgressItem = {
        id: f.id,
        done: f.done,
        size: f.size,
        speed,
        eta: etaSeconds(f.done, f.size, speed),
        connections: f.connections,
        lastByteAt: this.#movedAt.get(f.id) ?? now,
      }
      const key = `${item.done}|${item.size}|${item.speed}|${item.connections}`
      if (this.#lastSent.get(f.id) === key) continue
      this.#lastSent.set(f.id, key)
      items.push(item)
    }
    const speed = Math.round(this.#overall.sample(this.#overallBytes, now))
    this.#emit({ seq: ++this.#seq, at: now, speed, active, items })
  }
}
