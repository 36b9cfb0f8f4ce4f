import { describe, expect, it } from 'vitest'
import { ProgressHeartbeat, type ActiveFigures } from './progress-heartbeat.ts'
import type { EngineEvents } from '../../shared/protocol/events.ts'

const MiB = 1024 * 1024
const BEAT = 250

type Beat = Omit<EngineEvents['progress/beat'], 'revision'>

/** A heartbeat driven by hand: each `beat(figures)` is one tick 250 ms after the last. */
function drive() {
  let figures: ActiveFigures[] = []
  const beats: Beat[] = []
  const heartbeat = new ProgressHeartbeat(
    BEAT,
    () => figures,
    (b) => beats.push(b),
  )
  let now = 1_000_000
  return {
    heartbeat,
    beat(next: ActiveFigures[]): Beat {
      figures = next
      heartbeat.beat((now += BEAT))
      return beats.at(-1)!
    },
  }
}

const running = (id: string, done: number, counting = true): ActiveFigures => ({
  id,
  done,
  size: 200 * MiB,
  connections: 4,
  downloading: true,
  counting,
})

describe('ProgressHeartbeat after a resume', () => {
  it('does not count the bytes a pause left as bytes received (no 200 MiB/s after Resume all)', () => {
    const { heartbeat, beat } = drive()
    // Resume all: ten downloads, each with 50 MiB from before the pause, start again. Their
    // first beats come while they read their control files (done still 0, or a slot's old
    // figure); then done shows the 50 MiB; then they receive ~1 MiB/s each (256 KiB a beat).
    const ids = Array.from({ length: 10 }, (_, i) => `d${i}`)
    for (const id of ids) heartbeat.track(id)
    beat(ids.map((id) => running(id, 0, false)))
    beat(ids.map((id) => running(id, 50 * MiB)))
    let last: Beat | null = null
    for (let n = 1; n <= 8; n++)
      last = beat(ids.map((id) => running(id, 50 * MiB + n * 256 * 1024)))
    // Each at ~1 MiB/s, ten of them ~10 MiB/s: never the 500 MiB/s the jump would read as.
    for (const item of last!.items) expect(item.speed).toBeCloseTo(MiB, -4)
    expect(last!.speed).toBeCloseTo(10 * MiB, -5)
    expect(last!.items[0]!.eta).toBeGreaterThan(100)
  })

  it('a download not yet counting is still active, and its first counted beat is the start', () => {
    const { heartbeat, beat } = drive()
    heartbeat.track('a')
    const first = beat([running('a', 7 * MiB, false)])
    expect(first.active).toBe(1)
    expect(first.speed).toBe(0)
    expect(beat([running('a', 30 * MiB)]).speed).toBe(0)
    const moving = beat([running('a', 30 * MiB + 512 * 1024)])
    expect(moving.items[0]!.speed).toBe(2 * MiB)
    expect(moving.speed).toBe(2 * MiB)
  })
})

describe('ProgressHeartbeat: when a running download last received bytes', () => {
  it('stamps the beat that saw bytes grow, keeps the stamp while none come, at no extra item', () => {
    const { heartbeat, beat } = drive()
    heartbeat.track('a', 1_000_000)
    const first = beat([running('a', 0)])
    // Nothing received yet: the start is the last time it "moved".
    expect(first.items[0]!.lastByteAt).toBe(1_000_000)
    const moving = beat([running('a', 64 * 1024)])
    const movedAt = moving.at
    expect(moving.items[0]!.lastByteAt).toBe(movedAt)
    // The server goes quiet: the stamp stays at the last beat that saw bytes.
    const quiet: Beat[] = []
    for (let n = 0; n < 140; n++) quiet.push(beat([running('a', 64 * 1024)]))
    for (const b of quiet) for (const item of b.items) expect(item.lastByteAt).toBe(movedAt)
    // Once the smoothed speed has decayed to 0 (half-life 1.5 s) nothing more is sent for it:
    // the stamp adds no item per beat of its own.
    expect(quiet.slice(-10).every((b) => b.items.length === 0)).toBe(true)
    expect(heartbeat.figures('a', { done: 64 * 1024, size: null }).lastByteAt).toBe(movedAt)
    heartbeat.untrack('a')
    expect(heartbeat.figures('a', { done: 64 * 1024, size: null }).lastByteAt).toBeUndefined()
  })
})
