import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { pickWork, type ActiveSegment } from './segment-planner.ts'
import {
  isBehind,
  isSilent,
  isWatched,
  MEASURE_AFTER_MS,
  observeSpeed,
  SILENT_MS,
  speedAtEnd,
  startProgress,
  type ReaderState,
  type SegmentProgress,
} from './segment-speed.ts'

/** A reader whose thread polled its sockets just before `now`, holding nothing back. */
const polled = (now: number): ReaderState => ({
  polledSince: now,
  heldSince: 0,
  releasedAt: 0,
  fullReadAt: 0,
  caughtUpAt: 0,
  lastByteAt: 0,
})

describe('observeSpeed', () => {
  it('knows no speed before the first byte, however long the connection waits', () => {
    const progress = startProgress(1000, 0)
    for (const now of [50, SILENT_MS, 1000, 10_000]) {
      expect(observeSpeed(progress, 1000, now, polled(now))).toBeUndefined()
    }
  })

  it('measures from the first byte, leaving the wait for it out', () => {
    const progress = startProgress(0, 0)
    // The first bytes show up after 2 s of waiting; then 100 KB every 100 ms (1 MB/s).
    const at = (t: number) => [t, polled(t)] as const
    expect(observeSpeed(progress, 50_000, ...at(2000))).toBeUndefined()
    expect(observeSpeed(progress, 150_000, ...at(2000 + MEASURE_AFTER_MS))).toBeCloseTo(1_000_000)
    expect(observeSpeed(progress, 250_000, ...at(2000 + 2 * MEASURE_AFTER_MS))).toBeCloseTo(
      1_000_000,
    )
  })

  it('counts a connection whose bytes stopped for SILENT_MS while its reader polled as speed 0', () => {
    const progress = startProgress(0, 0)
    observeSpeed(progress, 10_000, 100, polled(100))
    observeSpeed(progress, 20_000, 200, polled(200))
    expect(observeSpeed(progress, 20_000, 200 + SILENT_MS, polled(200 + SILENT_MS))).toBe(0)
    // Moving again: measured again.
    const later = 300 + SILENT_MS
    expect(observeSpeed(progress, 30_000, later, polled(later))).toBeGreaterThan(0)
  })
})

describe('isSilent: only the server is silent, not a reader that did not read', () => {
  const quiet = () => {
    const progress = startProgress(0, 0)
    observeSpeed(progress, 10_000, 100, polled(100))
    return progress
  }

  it('is not silent while the reader has not polled since the bytes stopped (a loaded thread)', () => {
    // The scheduler looks 2 s later, but the reader's thread last polled right after the bytes.
    const stale: ReaderState = {
      polledSince: 150,
      heldSince: 0,
      releasedAt: 0,
      fullReadAt: 0,
      caughtUpAt: 0,
      lastByteAt: 0,
    }
    expect(isSilent(quiet(), stale)).toBe(false)
    expect(observeSpeed(quiet(), 10_000, 2100, stale)).not.toBe(0)
  })

  it('is not silent while the reader holds the connection back, nor until SILENT_MS after', () => {
    const held: ReaderState = {
      polledSince: 2000,
      heldSince: 120,
      releasedAt: 0,
      fullReadAt: 0,
      caughtUpAt: 0,
      lastByteAt: 0,
    }
    expect(isSilent(quiet(), held)).toBe(false)
    const released = { ...held, heldSince: 0, releasedAt: 1900 }
    expect(isSilent(quiet(), released)).toBe(false)
    expect(isSilent(quiet(), { ...released, polledSince: 1900 + SILENT_MS })).toBe(true)
  })

  it('is silent once the reader polled SILENT_MS after the last bytes and found none', () => {
    expect(isSilent(quiet(), polled(100 + SILENT_MS))).toBe(true)
    expect(isSilent(quiet(), polled(99 + SILENT_MS))).toBe(false)
  })
})

describe('isBehind and isWatched', () => {
  const reader = (over: Partial<ReaderState>): ReaderState => ({ ...polled(1000), ...over })

  it('a held connection, or one held or read full within SILENT_MS, is behind its server', () => {
    expect(isBehind(reader({}), 1000)).toBe(false)
    expect(isBehind(reader({ heldSince: 10 }), 1000)).toBe(true)
    expect(isBehind(reader({ releasedAt: 1000 - SILENT_MS }), 1000)).toBe(true)
    expect(isBehind(reader({ releasedAt: 999 - SILENT_MS }), 1000)).toBe(false)
    expect(isBehind(reader({ fullReadAt: 990 }), 1000)).toBe(true)
    expect(isBehind(reader({ fullReadAt: 999 - SILENT_MS }), 1000)).toBe(false)
  })

  it('a reader that read short since its last full read or hold has caught up (a burst drained)', () => {
    // nginx's limit_rate: 2 MiB at once, then a pause; the reader drains them in milliseconds.
    expect(isBehind(reader({ fullReadAt: 990, caughtUpAt: 991 }), 1000)).toBe(false)
    expect(isBehind(reader({ releasedAt: 990, caughtUpAt: 995 }), 1000)).toBe(false)
    // A full read after the short one: a backlog again.
    expect(isBehind(reader({ fullReadAt: 995, caughtUpAt: 991 }), 1000)).toBe(true)
    expect(isBehind(reader({ releasedAt: 990, fullReadAt: 960, caughtUpAt: 970 }), 1000)).toBe(true)
    // Held now: behind whatever came before.
    expect(isBehind(reader({ heldSince: 999, caughtUpAt: 999 }), 1000)).toBe(true)
  })

  it('a reader whose thread has not polled for SILENT_MS is not watched', () => {
    expect(isWatched(reader({}), 1000)).toBe(true)
    expect(isWatched(reader({ polledSince: 1000 - SILENT_MS }), 1000)).toBe(true)
    expect(isWatched(reader({ polledSince: 999 - SILENT_MS }), 1000)).toBe(false)
    expect(isWatched(reader({ polledSince: 0 }), 1000)).toBe(false)
  })
})

describe('speeds and the planner together', () => {
  it('never hand out a range from where a connection started asking (no range asked for twice)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            from: fc.integer({ min: 0, max: 50_000_000 }),
            // Often too short to split: the endgame, where steals happen.
            length: fc.integer({ min: 1, max: 3_000_000 }),
            // Observations: elapsed ms and bytes received by then (often none: still waiting).
            looks: fc.array(
              fc.tuple(
                fc.integer({ min: 1, max: 2000 }),
                fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 2_000_000 })),
              ),
              { maxLength: 6 },
            ),
          }),
          { minLength: 1, maxLength: 8 },
        ),
        fc.integer({ min: 64 * 1024, max: 4_000_000 }),
        fc.integer({ min: 0, max: 100_000_000 }),
        (specs, minSplit, askerSpeed) => {
          const active: (ActiveSegment & { from: number })[] = specs.map((spec, id) => {
            const progress: SegmentProgress = startProgress(spec.from, 0)
            let now = 0
            let pos = spec.from
            let speed: number | undefined
            for (const [dt, bytes] of spec.looks) {
              now += dt
              pos = Math.min(spec.from + spec.length, pos + bytes)
              speed = observeSpeed(progress, pos, now, polled(now))
            }
            const end = spec.from + spec.length
            return speed === undefined
              ? { id, pos, end, from: spec.from }
              : { id, pos, end, speed, from: spec.from }
          })
          const work = pickWork([], active, minSplit, askerSpeed)
          if (work.kind === 'none' || work.kind === 'gap' || work.kind === 'yield') return
          const victim = active.find((s) => s.id === work.victimId)!
          expect(work.range.start).toBeGreaterThan(victim.from)
        },
      ),
    )
  })
})

describe('speedAtEnd', () => {
  it('is the measured speed once the bytes have flowed long enough', () => {
    const progress = startProgress(0, 1000)
    observeSpeed(progress, 10_000, 1100, polled(1100))
    expect(speedAtEnd(progress, 110_000, 1100 + MEASURE_AFTER_MS, polled(1200))).toBeCloseTo(
      1_000_000,
    )
  })

  it('too short to measure: the average since the segment was asked for, wait included', () => {
    const progress = startProgress(5000, 1000)
    // first bytes just now: no measured speed, but MEASURE_AFTER_MS since the ask
    const at = 1000 + 2 * MEASURE_AFTER_MS
    expect(speedAtEnd(progress, 5000 + 20_000, at, polled(at))).toBeCloseTo(100_000)
  })

  it('unknown while the segment is younger than MEASURE_AFTER_MS or got nothing', () => {
    const young = startProgress(0, 1000)
    expect(speedAtEnd(young, 1000, 1000 + MEASURE_AFTER_MS - 1, polled(1099))).toBeUndefined()
    const idle = startProgress(0, 1000)
    expect(speedAtEnd(idle, 0, 5000, polled(5000))).toBeUndefined()
  })
})
