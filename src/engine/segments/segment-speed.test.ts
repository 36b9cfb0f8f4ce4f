import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { pickWork, type ActiveSegment } from './segment-planner.ts'
import {
  MEASURE_AFTER_MS,
  observeSpeed,
  SILENT_MS,
  startProgress,
  type SegmentProgress,
} from './segment-speed.ts'

describe('observeSpeed', () => {
  it('knows no speed before the first byte, however long the connection waits', () => {
    const progress = startProgress(1000, 0)
    for (const now of [50, SILENT_MS, 1000, 10_000]) {
      expect(observeSpeed(progress, 1000, now)).toBeUndefined()
    }
  })

  it('measures from the first byte, leaving the wait for it out', () => {
    const progress = startProgress(0, 0)
    // The first bytes show up after 2 s of waiting; then 100 KB every 100 ms (1 MB/s).
    expect(observeSpeed(progress, 50_000, 2000)).toBeUndefined()
    expect(observeSpeed(progress, 150_000, 2000 + MEASURE_AFTER_MS)).toBeCloseTo(1_000_000)
    expect(observeSpeed(progress, 250_000, 2000 + 2 * MEASURE_AFTER_MS)).toBeCloseTo(1_000_000)
  })

  it('counts a connection whose bytes stopped for SILENT_MS as speed 0', () => {
    const progress = startProgress(0, 0)
    observeSpeed(progress, 10_000, 100)
    observeSpeed(progress, 20_000, 200)
    expect(observeSpeed(progress, 20_000, 200 + SILENT_MS)).toBe(0)
    // Moving again: measured again.
    expect(observeSpeed(progress, 30_000, 300 + SILENT_MS)).toBeGreaterThan(0)
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
              speed = observeSpeed(progress, pos, now)
            }
            const end = spec.from + spec.length
            return speed === undefined
              ? { id, pos, end, from: spec.from }
              : { id, pos, end, speed, from: spec.from }
          })
          const work = pickWork([], active, minSplit, askerSpeed)
          if (work.kind === 'none' || work.kind === 'gap') return
          const victim = active.find((s) => s.id === work.victimId)!
          expect(work.range.start).toBeGreaterThan(victim.from)
        },
      ),
    )
  })
})
