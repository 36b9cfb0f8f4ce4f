import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { normalizeRanges, totalBytes, type ByteRange } from './byte-ranges.ts'
import {
  afterLook,
  afterError,
  closesOverShare,
  closesOverTarget,
  countAnswers,
  extrasToClose,
  fastestSeen,
  keepOnSplit,
  keptSocket,
  mayLinger,
  mayTakeWork,
  pickHandOvers,
  rangeAfter,
  readOnTarget,
  renewAfterYield,
  speedOnNextRange,
  viewSegment,
  type OwnedSegment,
  type SegmentView,
  MAX_REOPENS,
  reopensAfterLast,
} from './connection-choices.ts'
import { LAGGARD_MIN_AGE_MS, PACED_SILENCE_MS, RENEW_MIN_SECONDS } from './connection-ramp.ts'
import { isMeasured, pickWork } from './segment-planner.ts'
import { MEASURE_AFTER_MS, SILENT_MS, startProgress, type ReaderState } from './segment-speed.ts'

const MiB = 1024 * 1024

/** A reader that polled just now and keeps up with its server. */
const keepingUp = (now: number): ReaderState => ({
  polledSince: now,
  heldSince: 0,
  releasedAt: 0,
  fullReadAt: 0,
  caughtUpAt: 0,
  lastByteAt: 0,
})

const view = (id: number, patch: Partial<SegmentView> = {}): SegmentView => ({
  id,
  pos: 0,
  end: 10 * MiB,
  age: 1000,
  ...patch,
})

describe('viewSegment', () => {
  it('has no speed before the first byte, then the speed since bytes started flowing', () => {
    const progress = startProgress(0, 0)
    const first = viewSegment(3, progress, { pos: 0, end: 100 }, keepingUp(50), 50, false)
    expect(first).toEqual({ id: 3, pos: 0, end: 100, age: 50, behind: false, splittable: true })
    viewSegment(3, progress, { pos: 10, end: 100 }, keepingUp(60), 60, false)
    const later = 60 + MEASURE_AFTER_MS
    const measured = viewSegment(3, progress, { pos: 60, end: 100 }, keepingUp(later), later, false)
    expect(measured.speed).toBe((50 * 1000) / MEASURE_AFTER_MS)
    expect(isMeasured(measured)).toBe(true)
  })

  it('a connection whose bytes came in one burst and stopped gets its average since the request once quiet', () => {
    // Asked at 0; a 1 MiB burst seen at 20 ms, before its flow could be measured; then nothing.
    const progress = startProgress(0, 0)
    const burst = { ...keepingUp(20), lastByteAt: 15 }
    expect(viewSegment(1, progress, { pos: MiB, end: 2 * MiB }, burst, 20, false).speed).toBe(
      undefined,
    )
    // Its reader has polled for less than MEASURE_AFTER_MS since: still unknown.
    const soon = { ...burst, polledSince: 15 + MEASURE_AFTER_MS - 1 }
    const early = viewSegment(1, progress, { pos: MiB, end: 2 * MiB }, soon, 120, false)
    expect(early.speed).toBe(undefined)
    const now = 15 + MEASURE_AFTER_MS
    const quiet = { ...burst, polledSince: now }
    const seen = viewSegment(1, progress, { pos: MiB, end: 2 * MiB }, quiet, now, false)
    expect(seen).toMatchObject({ speed: (MiB * 1000) / now, quiet: MEASURE_AFTER_MS })
    // An estimate: a lower bound to pick a victim by, never the pace others are judged against.
    expect(seen.estimated).toBe(true)
    expect(isMeasured(seen)).toBe(false)
    // A reader that holds its connection back is not quiet: its server may be sending.
    const held = { ...quiet, heldSince: 100 }
    expect(viewSegment(1, progress, { pos: MiB, end: 2 * MiB }, held, now, false).speed).toBe(
      undefined,
    )
  })

  it('gives its average since its first byte once its bytes have flowed for LAGGARD_MIN_AGE_MS (pickLaggards)', () => {
    // Asked at 0, its first bytes (128 KiB, a paced server's burst) seen at 50 ms, then quiet.
    const progress = startProgress(0, 0)
    viewSegment(1, progress, { pos: 128 * 1024, end: MiB }, keepingUp(50), 50, false)
    const young = 50 + LAGGARD_MIN_AGE_MS - 1
    const early = viewSegment(
      1,
      progress,
      { pos: 128 * 1024, end: MiB },
      keepingUp(young),
      young,
      false,
    )
    expect(early.average).toBe(undefined)
    const now = 50 + 2 * LAGGARD_MIN_AGE_MS
    const later = viewSegment(
      1,
      progress,
      { pos: 128 * 1024, end: MiB },
      keepingUp(now),
      now,
      false,
    )
    expect(later.average).toBe((128 * 1024 * 1000) / (2 * LAGGARD_MIN_AGE_MS))
  })

  it('a reader that has not polled within SILENT_MS gives no speed (stale figures)', () => {
    const progress = startProgress(0, 0)
    viewSegment(1, progress, { pos: 10, end: 100 }, keepingUp(0), 0, false)
    const now = 1000
    const stale = { ...keepingUp(now), polledSince: now - SILENT_MS - 1 }
    expect(viewSegment(1, progress, { pos: 90, end: 100 }, stale, now, false).speed).toBe(undefined)
  })

  it('a segment behind its reader is split once; halved while behind, never again', () => {
    const now = 1000
    const behind = { ...keepingUp(now), heldSince: now - 10 }
    const once = viewSegment(1, startProgress(0, 0), { pos: 0, end: 9 }, behind, now, false)
    expect(once).toMatchObject({ behind: true, splittable: true })
    const twice = viewSegment(1, startProgress(0, 0), { pos: 0, end: 9 }, behind, now, true)
    expect(twice).toMatchObject({ behind: true, splittable: false })
    const caughtUp = viewSegment(
      1,
      startProgress(0, 0),
      { pos: 0, end: 9 },
      keepingUp(now),
      now,
      true,
    )
    expect(caughtUp.splittable).toBe(true)
  })
})

describe('fastestSeen', () => {
  it('counts only measured segments whose readers keep up, and never falls', () => {
    const segments = [
      view(1, { speed: 5 * MiB }),
      view(2, { speed: 50 * MiB, behind: true }),
      view(3),
    ]
    expect(fastestSeen(0, segments)).toBe(5 * MiB)
    expect(fastestSeen(8 * MiB, segments)).toBe(8 * MiB)
  })

  it("never counts a quiet connection's estimate: a burst's average over the moment after it is no pace", () => {
    const burst = view(4, { speed: 80 * MiB, estimated: true })
    expect(fastestSeen(0, [view(1, { speed: 5 * MiB }), burst])).toBe(5 * MiB)
  })
})

describe('countAnswers', () => {
  it('counts ranges that have not brought a byte, and answered ones their server has paused', () => {
    const quiet = PACED_SILENCE_MS
    expect(
      countAnswers([
        { start: 0, pos: 0, end: 10, quiet: 0 },
        { start: 10, pos: 12, end: 20, quiet: quiet - 1 },
        { start: 20, pos: 20, end: 30, quiet },
        { start: 30, pos: 35, end: 40, quiet },
        { start: 40, pos: 50, end: 50, quiet }, // done: its pause is the end of its range
      ]),
    ).toEqual({ waiting: 2, paused: 1 })
  })
})

describe('mayTakeWork', () => {
  const gate = { active: 3, freeSlots: 2000, reserve: 1024, live: 4, target: 4 }
  it('keeps one slot per download that may start, once the download holds a connection', () => {
    expect(mayTakeWork(gate)).toBe(true)
    expect(mayTakeWork({ ...gate, freeSlots: 1024 })).toBe(false)
    // Its first segment comes out of the reserve: that is what the reserve is for.
    expect(mayTakeWork({ ...gate, active: 0, freeSlots: 1 })).toBe(true)
  })
  it('above the ramp target the connection closes', () => {
    expect(mayTakeWork({ ...gate, live: 5 })).toBe(false)
  })
})

describe('an idle connection', () => {
  it('closes over the host share only when it is an extra one', () => {
    expect(closesOverShare(true, 1)).toBe(true)
    expect(closesOverShare(true, 0)).toBe(false)
    expect(closesOverShare(false, 3)).toBe(false)
  })
  it('closes when the download runs more connections than its target, so the others may take work again', () => {
    expect(closesOverTarget(true, 19, 18)).toBe(true)
    expect(closesOverTarget(true, 18, 18)).toBe(false)
    expect(closesOverTarget(false, 19, 18)).toBe(false)
    // While it lingers instead, every look for work is refused (mayTakeWork): nobody can rob.
    expect(mayTakeWork({ active: 1, freeSlots: 100, reserve: 10, live: 19, target: 18 })).toBe(
      false,
    )
  })
  it('lingers for the endgame while others fetch, unless its slot can serve another download', () => {
    expect(mayLinger(true, true, false)).toBe(true)
    expect(mayLinger(true, true, true)).toBe(false)
    expect(mayLinger(false, true, true)).toBe(true)
    expect(mayLinger(false, false, false)).toBe(false)
  })
  it("a laggard closes at its yield, even the probe's connection while others fetch", () => {
    const idle = { stopping: false, helper: true, othersActive: true, hostShared: false }
    expect(afterLook('none', idle)).toBe('linger')
    expect(afterLook('yield', idle)).toBe('close')
    // The probe's connection never closes over the target (closesOverTarget): lingering after
    // a yield, it stayed to the end of the file and yielded at every look.
    expect(afterLook('none', { ...idle, helper: false, hostShared: true })).toBe('linger')
    expect(afterLook('yield', { ...idle, helper: false })).toBe('close')
    expect(afterLook('none', { ...idle, othersActive: false })).toBe('close')
    expect(afterLook('none', { ...idle, stopping: true })).toBe('close')
  })
})

describe('renewAfterYield', () => {
  it('renews while what is left takes at least RENEW_MIN_SECONDS at the current rate', () => {
    const rate = 10 * MiB
    const enough = rate * RENEW_MIN_SECONDS
    const gaps = [{ start: 0, end: enough / 2 }]
    const rest = [view(1, { pos: 0, end: enough / 2 })]
    // (Gaps under minSplit: the rule below does not apply.)
    expect(renewAfterYield(gaps, rest, rate, enough)).toBe(true)
    expect(renewAfterYield(gaps, [view(1, { pos: 1, end: enough / 2 })], rate, enough)).toBe(false)
  })

  it('renews while a gap of minSplit or more is left that no connection holds, whatever the rate', () => {
    const burstBeat = 200 * MiB
    const held = [view(1, { pos: 0, end: 3 * MiB })]
    expect(renewAfterYield([{ start: 0, end: 7 * MiB }], held, burstBeat, MiB)).toBe(true)
    expect(renewAfterYield([{ start: 0, end: MiB - 1 }], held, burstBeat, MiB)).toBe(false)
  })
})

describe('keepOnSplit', () => {
  it('a victim read on the scheduler thread keeps nothing past minSplit once workers exist', () => {
    expect(keepOnSplit(true, true, 0.5)).toBe(0)
    expect(keepOnSplit(true, false, 0.5)).toBe(0.5)
    expect(keepOnSplit(false, true, 0.5)).toBe(0.5)
  })
})

describe('pickHandOvers', () => {
  const owned = (id: number, patch: Partial<OwnedSegment> = {}): OwnedSegment => ({
    ...view(id),
    closing: false,
    probe: false,
    ...patch,
  })

  it('closes the slowest first, never the probe, counting idle and closing ones', () => {
    const segments = [
      owned(1, { speed: 1 * MiB, probe: true }),
      owned(2, { speed: 9 * MiB }),
      owned(3, { speed: 3 * MiB }),
      owned(4),
      owned(5, { closing: true }),
    ]
    expect(pickHandOvers(segments, 3, 0)).toEqual([4, 3])
    expect(pickHandOvers(segments, 3, 1)).toEqual([4])
    expect(pickHandOvers(segments, 1, 0)).toEqual([])
  })

  it('never picks more than are over the share, nor the probe, nor a closing one', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            speed: fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }),
            closing: fc.boolean(),
            probe: fc.boolean(),
          }),
          { maxLength: 12 },
        ),
        fc.integer({ min: 0, max: 12 }),
        fc.integer({ min: 0, max: 12 }),
        (rows, overShare, idle) => {
          const segments = rows.map((r, id) =>
            r.speed === undefined
              ? owned(id, { closing: r.closing, probe: r.probe })
              : owned(id, { speed: r.speed, closing: r.closing, probe: r.probe }),
          )
          const picked = pickHandOvers(segments, overShare, idle)
          const closing = segments.filter((s) => s.closing && !s.probe).length
          expect(picked.length).toBeLessThanOrEqual(Math.max(0, overShare - idle - closing))
          expect(new Set(picked).size).toBe(picked.length)
          for (const id of picked)
            expect(segments[id]).toMatchObject({ probe: false, closing: false })
          // The slowest go first: nobody left busy is slower than one picked.
          const slowest = Math.max(...picked.map((id) => segments[id]!.speed ?? 0))
          for (const s of segments) {
            if (s.probe || s.closing || picked.includes(s.id)) continue
            expect(s.speed ?? 0).toBeGreaterThanOrEqual(picked.length > 0 ? slowest : 0)
          }
        },
      ),
    )
  })
})

describe('extrasToClose', () => {
  it('closes live − target, the slowest first, never the probe', () => {
    const segments = [view(1), view(2, { speed: 2 }), view(3, { speed: 1 }), view(4, { speed: 9 })]
    expect(extrasToClose(segments, 4, 2, 1)).toEqual([3, 2])
    expect(extrasToClose(segments, 4, 2, -1)).toEqual([1, 3])
    expect(extrasToClose(segments, 2, 2, -1)).toEqual([])
  })
})

describe('the probe reading on', () => {
  const base = {
    probe: 0,
    end: 100,
    bodyEnd: 1000 as number | undefined,
    rangesProven: false,
    stopping: false,
    gaps: [] as ByteRange[],
    segments: [
      { id: 0, start: 0, pos: 100 },
      { id: 1, start: 100, pos: 100 },
    ],
  }

  it('takes the gap after its segment up to the body end, else a range not yet started', () => {
    expect(readOnTarget({ ...base, gaps: [{ start: 100, end: 2000 }] })).toEqual({
      kind: 'gap',
      range: { start: 100, end: 1000 },
    })
    expect(readOnTarget(base)).toEqual({ kind: 'segment', id: 1 })
    const started = [base.segments[0]!, { id: 1, start: 100, pos: 101 }]
    expect(readOnTarget({ ...base, segments: started })).toEqual({ kind: 'none' })
  })

  it('takes nothing once ranges are proven, while stopping, past the body, or with no body', () => {
    expect(readOnTarget({ ...base, rangesProven: true })).toEqual({ kind: 'none' })
    expect(readOnTarget({ ...base, stopping: true })).toEqual({ kind: 'none' })
    expect(readOnTarget({ ...base, bodyEnd: 100 })).toEqual({ kind: 'none' })
    expect(readOnTarget({ ...base, bodyEnd: undefined })).toEqual({ kind: 'none' })
  })

  it('what it takes starts where its segment ends and never passes the body end', () => {
    const gapSets = fc
      .array(fc.record({ start: fc.nat(2000), len: fc.integer({ min: 1, max: 500 }) }))
      .map((rs) => normalizeRanges(rs.map((r) => ({ start: r.start, end: r.start + r.len }))))
    fc.assert(
      fc.property(gapSets, fc.nat(2000), fc.nat(3000), (gaps, end, bodyEnd) => {
        const range = rangeAfter(gaps, end, bodyEnd)
        if (range === null) return
        expect(range.start).toBe(end)
        expect(range.end).toBeGreaterThan(end)
        expect(range.end).toBeLessThanOrEqual(bodyEnd)
        // Inside one gap: nobody holds those bytes.
        expect(
          totalBytes(gaps.filter((g) => g.start <= end && g.end >= range.end)),
        ).toBeGreaterThan(0)
      }),
    )
  })
})

describe('afterError', () => {
  it('a disk error ends every connection; 429/503 backs off; anything else carries on', () => {
    expect(afterError(true, true)).toBe('end-all')
    expect(afterError(false, true)).toBe('back-off')
    expect(afterError(false, false)).toBe('carry-on')
  })
})

describe('reopensAfterLast', () => {
  it('property: a fresh connection only for bytes left, after no error, while running and segmented, a bounded number of times', () => {
    fc.assert(
      fc.property(
        fc.nat(1e9),
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
        fc.nat(10),
        (left, failed, stopping, segmentable, reopened) => {
          const f = { left, failed, stopping, segmentable, reopened }
          expect(reopensAfterLast(f)).toBe(
            left > 0 && !failed && !stopping && segmentable && reopened < MAX_REOPENS,
          )
        },
      ),
    )
  })

  it('reopens for a dropped mirror’s range given back with every other connection gone', () => {
    const f = { left: 256 * 1024, failed: false, stopping: false, segmentable: true, reopened: 0 }
    expect(reopensAfterLast(f)).toBe(true)
    expect(reopensAfterLast({ ...f, reopened: MAX_REOPENS })).toBe(false)
    expect(reopensAfterLast({ ...f, left: 0 })).toBe(false)
  })
})

describe('speedOnNextRange', () => {
  const speed = fc.option(fc.double({ min: 1, max: 1e9, noNaN: true }), { nil: undefined })
  const previous = fc.double({ min: 0, max: 1e9, noNaN: true })

  it('a range read over another socket says nothing of the next one: unknown (property)', () => {
    fc.assert(
      fc.property(speed, previous, (measured, before) => {
        expect(speedOnNextRange(measured, before, false)).toBe(0)
      }),
    )
  })

  it('over its own socket: what it measured, else what it had (property)', () => {
    fc.assert(
      fc.property(speed, previous, (measured, before) => {
        expect(speedOnNextRange(measured, before, true)).toBe(measured ?? before)
      }),
    )
  })

  it('a range shorter than minSplit says nothing new: the figure it had (property)', () => {
    // nginx sends a request's first second's worth at once: a short piece came in one burst.
    fc.assert(
      fc.property(speed, previous, fc.boolean(), (measured, before, own) => {
        expect(speedOnNextRange(measured, before, own, true)).toBe(own ? before : 0)
      }),
    )
    // A 128 KiB piece in 0.05 s (2.5 MiB/s) after ranges at 128 KiB/s: still 128 KiB/s.
    expect(speedOnNextRange(2.5 * MiB, 128 * 1024, true, true)).toBe(128 * 1024)
  })

  it("a loop whose last range came over the probe's or a one-off socket never yields on it (property)", () => {
    // Its next range goes over a socket of its own, fast or slow: it may win.
    fc.assert(
      fc.property(
        speed,
        previous,
        fc.double({ min: 1, max: 1e9, noNaN: true }),
        (measured, before, fastest) => {
          const asker = speedOnNextRange(measured, before, false)
          const gaps = [{ start: 0, end: 8 * MiB }]
          expect(pickWork(gaps, [], MiB, asker, true, fastest).kind).toBe('gap')
        },
      ),
    )
  })
})

describe('keptSocket', () => {
  it('only a range read to its asked end over its own socket keeps the socket (property)', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.nat(), fc.nat(), (onPin, asked, final) => {
        expect(keptSocket(onPin, asked, final)).toBe(onPin && final >= asked)
      }),
    )
  })

  it('a range cut by a split closes its socket: the next range is judged unknown', () => {
    expect(keptSocket(true, 8 * MiB, 5 * MiB)).toBe(false)
    expect(speedOnNextRange(16 * MiB, 16 * MiB, keptSocket(true, 8 * MiB, 5 * MiB))).toBe(0)
    expect(speedOnNextRange(16 * MiB, 0, keptSocket(true, 8 * MiB, 8 * MiB))).toBe(16 * MiB)
  })
})
