import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { cannotWin, LAGGARD_RATIO, pickWork } from './segment-planner.ts'
import {
  askerBySource,
  judgeBySource,
  pickSourcedWork,
  sourceLoads,
  type SourcedSegment,
} from './source-speeds.ts'

const MiB = 1024 * 1024

const segmentsArb: fc.Arbitrary<SourcedSegment[]> = fc
  .array(
    fc.record({
      source: fc.nat(2),
      pos: fc.nat(1e8),
      left: fc.nat(1e8),
      speed: fc.option(fc.integer({ min: 1, max: 1e8 }), { nil: undefined }),
      behind: fc.boolean(),
    }),
    { maxLength: 12 },
  )
  .map((list) =>
    list.map(({ source, pos, left, speed, behind }, id) => ({
      id,
      source,
      pos,
      end: pos + left,
      behind,
      ...(speed === undefined ? {} : { speed }),
    })),
  )

describe('judging connections per source (mirrors)', () => {
  it('property: every measured segment of a source shows its source’s finish time, and a source’s shares add up to no more than its rate', () => {
    fc.assert(
      fc.property(segmentsArb, (segments) => {
        const loads = sourceLoads(segments)
        const judged = judgeBySource(segments)
        const shares = new Map<number, number>()
        judged.forEach((j, i) => {
          const s = segments[i]!
          expect([j.id, j.pos, j.end, j.behind]).toEqual([s.id, s.pos, s.end, s.behind])
          if (s.speed === undefined || s.behind) {
            expect(j.speed).toBe(s.speed)
            return
          }
          const load = loads.get(s.source)!
          shares.set(s.source, (shares.get(s.source) ?? 0) + j.speed!)
          if (s.end > s.pos && load.left > 0) {
            // left ÷ speed is the source's left ÷ its rate.
            expect((s.end - s.pos) / j.speed!).toBeCloseTo(load.left / load.rate, 6)
          }
        })
        for (const [source, share] of shares) {
          const load = loads.get(source)!
          if (load.left > 0) expect(share).toBeLessThanOrEqual(load.rate * (1 + 1e-9))
        }
      }),
    )
  })

  it('property: a connection yields (too slow to win) exactly when it is a laggard among its own source’s connections', () => {
    fc.assert(
      fc.property(segmentsArb, fc.nat(2), fc.nat(1e8), (segments, source, speed) => {
        const own = segments.filter((s) => s.source === source).map(({ source: _s, ...r }) => r)
        const work = pickSourcedWork([], segments, 1000, { source, speed }, true)
        expect(work.kind === 'yield').toBe(cannotWin(speed, own))
      }),
    )
  })

  it('the slow source’s only connection does not yield to a faster source: it takes a split and robs no one', () => {
    // URL: 2 MiB/s in total on its one connection, idle and asking; the mirror: 8 MiB/s on one.
    const segments: SourcedSegment[] = [{ id: 1, source: 1, pos: 0, end: 40 * MiB, speed: 8 * MiB }]
    const plain = segments.map(({ source: _s, ...rest }) => rest)
    expect(pickWork([], plain, 256 * 1024, 2 * MiB, true, 8 * MiB).kind).toBe('yield')
    const work = pickSourcedWork([], segments, 256 * 1024, { source: 0, speed: 2 * MiB }, true)
    // It takes its share: both finish together (8 : 2), not half.
    expect(work).toMatchObject({ kind: 'split', victimId: 1, range: { start: 32 * MiB } })
  })

  it('property: a gap still goes first, whole, from its start', () => {
    fc.assert(
      fc.property(
        segmentsArb,
        fc.nat(1e8),
        fc.integer({ min: 1, max: 1e6 }),
        (segments, start, len) => {
          const gap = { start, end: start + len }
          const work = pickSourcedWork([gap], segments, 1000, { source: 1, speed: 0 }, true)
          expect(work).toEqual({ kind: 'gap', range: gap })
        },
      ),
    )
  })

  it('an idle connection of a fast mirror capped as a whole takes most of the slow source’s rest, which it would only halve judged alone', () => {
    // The URL's server: 2 MiB/s in total, on its one connection with 60 MiB left. The mirror:
    // 8 MiB/s in total over 8 connections (1 MiB/s each), one of them idle and asking.
    const segments: SourcedSegment[] = [
      { id: 0, source: 0, pos: 40 * MiB, end: 100 * MiB, speed: 2 * MiB },
      ...Array.from({ length: 7 }, (_, i) => ({
        id: i + 1,
        source: 1,
        pos: i * MiB,
        end: i * MiB + 1000,
        speed: (8 * MiB) / 7,
      })),
    ]
    const plain = segments.map(({ source: _s, ...rest }) => rest)
    const alone = pickWork([], plain, 256 * 1024, MiB, true, 2 * MiB)
    expect(alone).toMatchObject({ kind: 'split', victimId: 0, keepFraction: 0.5 })
    const judged = pickSourcedWork([], segments, 256 * 1024, { source: 1, speed: MiB }, true)
    expect(judged.kind === 'steal' || judged.kind === 'split').toBe(true)
    if (judged.kind === 'split')
      expect(judged.keepFraction).toBeLessThanOrEqual(1 / (1 + LAGGARD_RATIO) + 0.05)
    expect(
      judged.kind === 'none' || judged.kind === 'yield' ? -1 : judged.range.start,
    ).toBeLessThan(53 * MiB)
  })

  it('what an idle connection brings: its source’s rate shared with what that source still holds', () => {
    const loads = new Map([[1, { rate: 8 * MiB, left: 8 * MiB }]])
    expect(askerBySource(1, MiB, loads, 8 * MiB)).toBe(4 * MiB)
    expect(askerBySource(1, MiB, new Map([[1, { rate: 8 * MiB, left: 0 }]]), MiB)).toBe(8 * MiB)
    // Not measured: its own speed.
    expect(askerBySource(2, MiB, loads, 8 * MiB)).toBe(MiB)
  })
})
