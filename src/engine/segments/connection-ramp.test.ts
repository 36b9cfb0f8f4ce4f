import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  beatRates,
  ConnectionRamp,
  DISK_BOUND_SHARE,
  FIRST_GROWTH,
  GAIN_BEATS,
  LAGGARD_MIN_AGE_MS,
  LIMITED_HOLD_MS,
  LIMITED_SHARE,
  MIN_GAIN,
  PACED_SILENCE_MS,
  pickExtras,
  pickLaggards,
  RENEW_MIN_SECONDS,
  RENEWALS_PER_CONNECTION,
  SLOW_CONNECTION_BYTES_PER_S,
  type BeatFigures,
  worthRenewing,
} from './connection-ramp.ts'
import { LAGGARD_RATIO } from './segment-planner.ts'

const MiB = 1024 * 1024
const SLOW = SLOW_CONNECTION_BYTES_PER_S

/** A beat of 100 ms with nothing limiting it; `patch` changes what the test is about. */
function figures(patch: Partial<BeatFigures> = {}): BeatFigures {
  return {
    now: 1000,
    elapsed: 100,
    rate: 1 * MiB,
    totalRate: 1 * MiB,
    live: 1,
    inDebt: false,
    limits: { download: 0, overall: 0 },
    diskWaitMs: 0,
    maxConnections: 16,
    ...patch,
  }
}

describe('ConnectionRamp', () => {
  it('slow start: slow connections grow four times per beat, up to the maximum', () => {
    const ramp = new ConnectionRamp()
    expect(ramp.beat(figures({ live: 1, rate: 1 * MiB }))).toEqual({
      judgeNetwork: true,
      giveBack: false,
    })
    expect(ramp.target).toBe(4)
    ramp.beat(figures({ live: 4, rate: 4 * MiB }))
    expect(ramp.target).toBe(16)
    ramp.beat(figures({ live: 16, rate: 16 * MiB, maxConnections: 8 }))
    expect(ramp.target).toBe(8)
  })

  it('does not grow before the connections it asked for are running', () => {
    const ramp = new ConnectionRamp()
    ramp.beat(figures({ live: 1 }))
    ramp.beat(figures({ live: 2 }))
    expect(ramp.target).toBe(4)
  })

  it(`holds once two beats in a row ran at ${SLOW / MiB} MiB/s per connection or more`, () => {
    const ramp = new ConnectionRamp()
    ramp.beat(figures({ live: 1, rate: SLOW }))
    ramp.beat(figures({ live: 1, rate: SLOW }))
    ramp.beat(figures({ live: 1, rate: 1 * MiB })) // a dip later is the disk's or the CPU's
    expect(ramp.target).toBe(1)
    // just under the line, a connection counts as slow: the ramp grows
    const slow = new ConnectionRamp()
    slow.beat(figures({ live: 1, rate: SLOW - 1 }))
    expect(slow.target).toBe(4)
  })

  it(`a beat whose writers waited ${DISK_BOUND_SHARE * 100}% of it for the disk judges nothing`, () => {
    const ramp = new ConnectionRamp()
    const bound = ramp.beat(figures({ elapsed: 100, diskWaitMs: 100 * DISK_BOUND_SHARE }))
    expect(bound).toEqual({ judgeNetwork: false, giveBack: false })
    expect(ramp.target).toBe(1)
    // the wait is a running sum: the next beat counts only its own share
    const next = ramp.beat(figures({ elapsed: 100, diskWaitMs: 100 * DISK_BOUND_SHARE + 1 }))
    expect(next).toEqual({ judgeNetwork: true, giveBack: false })
    expect(ramp.target).toBe(4)
  })

  it(`at ${LIMITED_SHARE * 100}% of a bandwidth limit the limiter sets the pace`, () => {
    const limit = 10 * MiB
    const ramp = new ConnectionRamp()
    const at = ramp.beat(
      figures({ rate: LIMITED_SHARE * limit, limits: { download: limit, overall: 0 } }),
    )
    expect(at).toEqual({ judgeNetwork: false, giveBack: false })
    expect(ramp.limited).toBe(true)
    const overall = new ConnectionRamp()
    overall.beat(
      figures({ totalRate: LIMITED_SHARE * limit, limits: { download: 0, overall: limit } }),
    )
    expect(overall.limited).toBe(true)
    const under = new ConnectionRamp()
    under.beat(
      figures({ rate: LIMITED_SHARE * limit - 1, limits: { download: limit, overall: 0 } }),
    )
    expect(under.limited).toBe(false)
  })

  it(`a bucket in debt keeps the download limited for ${LIMITED_HOLD_MS} ms`, () => {
    const ramp = new ConnectionRamp()
    ramp.beat(figures({ now: 1000, inDebt: true }))
    expect(ramp.limited).toBe(true)
    ramp.beat(figures({ now: 1000 + LIMITED_HOLD_MS - 1 }))
    expect(ramp.limited).toBe(true)
    expect(ramp.target).toBe(1)
    ramp.beat(figures({ now: 1000 + LIMITED_HOLD_MS }))
    expect(ramp.limited).toBe(false)
    expect(ramp.target).toBe(4)
  })

  it('backing off halves the running connections (never below one) and stops growing', () => {
    const ramp = new ConnectionRamp()
    ramp.backOff(7)
    expect(ramp.target).toBe(3)
    ramp.beat(figures({ live: 3, rate: 1 * MiB }))
    expect(ramp.target).toBe(3)
    ramp.backOff(1)
    expect(ramp.target).toBe(1)
  })

  it('property: the target stays between 1 and the maximum', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            live: fc.integer({ min: 1, max: 32 }),
            rate: fc.double({ min: 0, max: 1e10, noNaN: true }),
            maxConnections: fc.integer({ min: 1, max: 32 }),
            backOff: fc.boolean(),
          }),
        ),
        (beats) => {
          const ramp = new ConnectionRamp()
          for (const b of beats) {
            if (b.backOff) ramp.backOff(b.live)
            ramp.beat(figures(b))
            expect(ramp.target).toBeGreaterThanOrEqual(1)
            expect(ramp.target).toBeLessThanOrEqual(b.maxConnections)
          }
        },
      ),
    )
  })
})

describe('pickLaggards', () => {
  /** A segment whose bytes have flowed at `average` bytes/s since its first one. */
  const segment = (id: number, average: number | undefined, age = LAGGARD_MIN_AGE_MS) => ({
    id,
    pos: 0,
    end: 100 * MiB,
    age,
    behind: false,
    splittable: true,
    ...(average === undefined ? {} : { speed: average, average }),
  })

  it(`picks connections ${LAGGARD_RATIO} times slower than the fastest on average, once they are ${LAGGARD_MIN_AGE_MS} ms old`, () => {
    const fast = 8 * MiB
    const list = [
      segment(0, fast),
      segment(1, fast / LAGGARD_RATIO), // exactly the ratio: a laggard
      segment(2, fast / LAGGARD_RATIO + 1), // not slow enough
      segment(3, 1, LAGGARD_MIN_AGE_MS - 1), // too young to judge
      segment(4, undefined), // not flowing long enough to judge
      { ...segment(5, 1), behind: true }, // its reader is behind: not the connection's fault
      { ...segment(6, 1), end: 2 * MiB - 1 }, // too little left for a new connection
    ]
    expect(pickLaggards(list, MiB)).toEqual([1])
  })

  it('judges averages, not the latest speeds: a server pacing every connection in bursts makes no laggards', () => {
    // W4: a 1 MiB/s connection had its burst (1 MiB at once) and is silent, beside 16 MiB/s.
    const flowing = segment(0, 14 * MiB)
    expect(pickLaggards([flowing, { ...segment(1, 3 * MiB), speed: 0 }], MiB)).toEqual([1])
    // nginx limit_rate 128k: each had its burst (128 KiB at once) and waits for the next, silent
    // or trickling (0.01–0.09 MiB/s, the latest speeds of bench/same-host.ts); the youngest
    // averages highest.
    const paced = [
      { ...segment(0, 0.42 * MiB), speed: 0.09 * MiB },
      { ...segment(1, 0.32 * MiB), speed: 0.01 * MiB },
      { ...segment(2, 0.21 * MiB, 2 * LAGGARD_MIN_AGE_MS), speed: 0 },
    ]
    expect(pickLaggards(paced, MiB)).toEqual([])
    // A connection stalled for good: its average falls until it is a laggard.
    const stalled = { ...segment(1, 4 * MiB, 3000), speed: 0 }
    expect(pickLaggards([flowing, stalled], MiB)).toEqual([])
    expect(pickLaggards([flowing, { ...stalled, average: 3.5 * MiB }], MiB)).toEqual([1])
  })

  it("also judges against the fastest live loop's last range: fast ranges end before their averages can be judged", () => {
    // W4 -x16: three 1 MiB/s connections hold 8 MiB ranges; the 16 MiB/s loops end theirs in
    // 60–125 ms. Judged only against each other, none was a laggard.
    const slow = [segment(0, 1.5 * MiB), segment(1, 1.4 * MiB), segment(2, 1.6 * MiB)]
    expect(pickLaggards(slow, MiB)).toEqual([])
    expect(pickLaggards(slow, MiB, 16 * MiB)).toEqual([0, 1, 2])
    // Still, a lone connection is never a laggard, whatever its loop once did.
    expect(pickLaggards([segment(0, 1.5 * MiB)], MiB, 16 * MiB)).toEqual([])
  })

  it('a lone connection is never a laggard', () => {
    expect(pickLaggards([segment(0, 1)], MiB)).toEqual([])
    expect(pickLaggards([segment(0, 0), segment(1, 0)], MiB)).toEqual([])
  })
})

describe('the budget of replacements and steals', () => {
  /** How many times `spend` runs while `may` allows it (at most 100). */
  const spendAll = (may: () => boolean, spend: () => void): number => {
    let n = 0
    for (; n < 100 && may(); n++) spend()
    return n
  }

  it(`replaces at most ${RENEWALS_PER_CONNECTION} laggards per connection allowed`, () => {
    const ramp = new ConnectionRamp()
    const replaced = spendAll(
      () => ramp.mayReplace(4),
      () => ramp.replaced(),
    )
    expect(replaced).toBe(RENEWALS_PER_CONNECTION * 4)
    // a higher maximum (the setting changed) opens the budget again
    expect(ramp.mayReplace(5)).toBe(true)
  })

  it(`steals at most ${RENEWALS_PER_CONNECTION} rests per connection allowed, none while limited`, () => {
    const ramp = new ConnectionRamp()
    const stolen = spendAll(
      () => ramp.maySteal(3),
      () => ramp.stole(),
    )
    expect(stolen).toBe(RENEWALS_PER_CONNECTION * 3)
    // the two budgets are apart: steals spend none of the replacements
    expect(ramp.mayReplace(3)).toBe(true)
    const limited = new ConnectionRamp()
    limited.beat(figures({ inDebt: true }))
    expect(limited.maySteal(3)).toBe(false)
    expect(limited.mayReplace(3)).toBe(true)
  })
})

describe('beatRates', () => {
  it('bytes/s of the download and of all downloads since the last reading', () => {
    expect(
      beatRates(
        { bytes: 0, total: 10, at: 1000 },
        { bytes: 1 * MiB, total: 10 + 3 * MiB, at: 1100 },
      ),
    ).toEqual({ elapsed: 100, rate: 10 * MiB, totalRate: 30 * MiB })
  })

  it('property: two readings at once count as 1 ms apart; rates times time give the bytes back', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 40 }),
        fc.integer({ min: 0, max: 2 ** 30 }),
        fc.integer({ min: 0, max: 2 ** 30 }),
        fc.double({ min: 0, max: 1e6, noNaN: true }),
        fc.double({ min: 0, max: 10_000, noNaN: true }),
        (bytes, more, others, at, gap) => {
          const next = { bytes: bytes + more, total: bytes + more + others, at: at + gap }
          const r = beatRates({ bytes, total: bytes, at }, next)
          expect(r.elapsed).toBeGreaterThanOrEqual(1)
          expect(r.elapsed).toBeCloseTo(Math.max(1, gap))
          expect((r.rate * r.elapsed) / 1000).toBeCloseTo(more, 3)
          expect(r.totalRate).toBeGreaterThanOrEqual(r.rate)
        },
      ),
    )
  })
})

describe('connections that bring nothing', () => {
  it(`a link capped as a whole: a growth without ${MIN_GAIN}× the speed is given back after ${GAIN_BEATS} beats, and slow start ends`, () => {
    const ramp = new ConnectionRamp()
    ramp.beat(figures({ live: 1, rate: 4 * MiB }))
    expect(ramp.target).toBe(FIRST_GROWTH)
    // The first growth is kept whatever it brings (the lone connection may be a slow flow).
    for (let i = 0; i < GAIN_BEATS + 2; i++) ramp.beat(figures({ live: 4, rate: 4 * MiB }))
    expect(ramp.target).toBe(16)
    for (let i = 1; i < GAIN_BEATS; i++) {
      expect(ramp.beat(figures({ live: 16, rate: 4 * MiB })).giveBack).toBe(false)
      expect(ramp.target).toBe(16)
    }
    expect(ramp.beat(figures({ live: 16, rate: 4.2 * MiB })).giveBack).toBe(true)
    expect(ramp.target).toBe(4)
    for (let i = 0; i < 5; i++) ramp.beat(figures({ live: 4, rate: 4 * MiB }))
    expect(ramp.target).toBe(4)
  })

  it('a growth the host refused while another download runs there is a hand-over: never judged, never given back', () => {
    const ramp = new ConnectionRamp()
    ramp.beat(figures({ live: 1, rate: 1 * MiB, maxConnections: 32 }))
    ramp.beat(figures({ live: 4, rate: 4 * MiB, maxConnections: 32 }))
    expect(ramp.target).toBe(16)
    // The host's cap is full: the download gets what another download from it hands over, and
    // the host's total, so this download's beats, do not grow with it (noise, as measured).
    ramp.handedOver()
    for (let live = 5; live <= 12; live++) {
      expect(ramp.beat(figures({ live, rate: 4 * MiB, maxConnections: 32 })).giveBack).toBe(false)
    }
    expect(ramp.target).toBe(16)
    // Without it the same beats give the growth back, and slow start ends for good.
    const judged = new ConnectionRamp()
    judged.beat(figures({ live: 1, rate: 1 * MiB, maxConnections: 32 }))
    judged.beat(figures({ live: 4, rate: 4 * MiB, maxConnections: 32 }))
    const giveBacks = [5, 6, 7, 8, 9, 10].map(
      (live) => judged.beat(figures({ live, rate: 4 * MiB, maxConnections: 32 })).giveBack,
    )
    expect(giveBacks).toContain(true)
    expect(judged.target).toBe(4)
  })

  it('judges no gain while a connection waits for its answer (a far server): beats without bytes do not count', () => {
    const ramp = new ConnectionRamp()
    ramp.beat(figures({ live: 1, rate: 4 * MiB, maxConnections: 32 }))
    ramp.beat(figures({ live: 4, rate: 4 * MiB, maxConnections: 32 }))
    expect(ramp.target).toBe(16)
    for (let i = 0; i < 10; i++) {
      const beat = figures({ live: 16, waiting: 12, rate: 4 * MiB, maxConnections: 32 })
      expect(ramp.beat(beat).giveBack).toBe(false)
    }
    expect(ramp.target).toBe(16)
    ramp.beat(figures({ live: 16, waiting: 0, rate: 16 * MiB, maxConnections: 32 }))
    expect(ramp.target).toBe(32)
  })

  it('a per-connection cap: each growth follows at the first beat that shows the gain (no beat lost)', () => {
    const ramp = new ConnectionRamp()
    ramp.beat(figures({ live: 1, rate: 4 * MiB, maxConnections: 32 }))
    expect(ramp.target).toBe(4)
    ramp.beat(figures({ live: 4, rate: 16 * MiB, maxConnections: 32 }))
    expect(ramp.target).toBe(16)
    ramp.beat(figures({ live: 16, rate: 64 * MiB, maxConnections: 32 }))
    expect(ramp.target).toBe(32)
  })

  it('new connections that start slowly are waited for, not given back, when the gain shows in time', () => {
    const ramp = new ConnectionRamp()
    ramp.beat(figures({ live: 1, rate: 16 * MiB, maxConnections: 32 }))
    ramp.beat(figures({ live: 4, rate: 34 * MiB, maxConnections: 32 }))
    expect(ramp.target).toBe(16)
    ramp.beat(figures({ live: 16, rate: 36 * MiB, maxConnections: 32 })) // twelve new, opening
    expect(ramp.target).toBe(16)
    ramp.beat(figures({ live: 16, rate: 80 * MiB, maxConnections: 32 })) // a gain
    expect(ramp.target).toBe(32)
  })

  it('a server that bursts each new connection then pauses it (nginx limit_rate): the gain shows in the mean since the growth', () => {
    // W3's beats (100 MiB at 4 MiB/s a connection, nginx): twelve new connections' first
    // megabytes arrive in one beat, whose writers then wait for the disk (not judged), and
    // nginx holds each connection back for as long as those bytes should have taken.
    const ramp = new ConnectionRamp()
    const beat = (live: number, rate: number, diskWaitMs = 0) =>
      ramp.beat(figures({ live, rate: rate * MiB, diskWaitMs, maxConnections: 32 }))
    beat(1, 19)
    beat(4, 60)
    expect(ramp.target).toBe(16)
    expect(beat(16, 213, 100).judgeNetwork).toBe(false)
    expect(beat(16, 28, 100).giveBack).toBe(false)
    expect(ramp.target).toBe(32)
  })

  it('property: a give-back returns to the count before the growth, and the count never grows again', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 64 * MiB, noNaN: true }), { maxLength: 30 }),
        (rates) => {
          const ramp = new ConnectionRamp()
          let live = 1
          let before = 1
          let gaveBack = false
          for (const rate of rates) {
            const target = ramp.target
            const { giveBack } = ramp.beat(figures({ live, rate, maxConnections: 32 }))
            if (giveBack) {
              expect(ramp.target).toBe(before)
              gaveBack = true
            } else if (ramp.target > target) before = live
            if (gaveBack) expect(ramp.target).toBeLessThanOrEqual(before)
            live = ramp.target
          }
        },
      ),
    )
  })

  it('pickExtras closes the slowest first, one not measured yet before any measured', () => {
    const s = (id: number, speed: number | undefined, age = 500) => ({
      id,
      pos: 0,
      end: 10,
      speed,
      age,
    })
    expect(pickExtras([s(1, 4 * MiB), s(2, MiB), s(3, undefined), s(4, 2 * MiB)], 2)).toEqual([
      3, 2,
    ])
    expect(pickExtras([s(1, MiB)], 0)).toEqual([])
  })
})

describe('a laggard that closed itself', () => {
  it(`is renewed while ${RENEW_MIN_SECONDS} s of work is left at the current rate, from the budget of replacements`, () => {
    expect(worthRenewing(10 * MiB, 8 * MiB)).toBe(true)
    expect(worthRenewing(7 * MiB, 8 * MiB)).toBe(false)
    const ramp = new ConnectionRamp()
    ramp.beat(figures({ live: 1 }))
    ramp.yielded(true, 4, 2)
    expect(ramp.target).toBe(4)
    for (let i = 1; i < RENEWALS_PER_CONNECTION * 2; i++) ramp.yielded(true, 4, 2)
    expect(ramp.mayReplace(2)).toBe(false)
    ramp.yielded(true, 4, 2) // budget spent: not renewed
    expect(ramp.target).toBe(3)
  })

  it('near the end is not replaced: the count drops by one and slow start ends', () => {
    const ramp = new ConnectionRamp()
    ramp.beat(figures({ live: 1 }))
    ramp.yielded(false, 4, 16)
    expect(ramp.target).toBe(3)
    ramp.beat(figures({ live: 3, rate: 3 * MiB }))
    expect(ramp.target).toBe(3)
    ramp.yielded(false, 1, 16)
    expect(ramp.target).toBe(1)
  })
})

/** A connection of a modelled download: opened at, and its first byte at (ms). */
type ModelConnection = { openedAt: number; answeredAt: number }
/**
 * A modelled server: the bytes it sends a connection in the beat (from, to], ms, and whether
 * the connection has had none for PACED_SILENCE_MS at `now` (once answered).
 */
type ModelServer = {
  bytes(c: ModelConnection, from: number, to: number, all: readonly ModelConnection[]): number
  paused(c: ModelConnection, now: number): boolean
}

const overlap = (from: number, to: number, start: number): number =>
  Math.max(0, to - Math.max(from, start))

/**
 * nginx's `limit_rate`: each connection gets a second's worth of bytes as it is answered and
 * again every second after (its writes wait for as long as the bytes should have taken).
 */
const nginxPaced = (rate: number): ModelServer => {
  const bursts = (c: ModelConnection, t: number): number =>
    t < c.answeredAt ? 0 : Math.floor((t - c.answeredAt) / 1000) + 1
  return {
    bytes: (c, from, to) => rate * (bursts(c, to) - bursts(c, from)),
    paused: (c, now) => (now - c.answeredAt) % 1000 >= PACED_SILENCE_MS,
  }
}
/** Each connection at `rate`, smoothly (a per-connection cap over TCP). */
const perConnection = (rate: number): ModelServer => ({
  bytes: (c, from, to) => (rate * overlap(from, to, c.answeredAt)) / 1000,
  paused: () => false,
})
/** `cap` for all connections together, shared evenly and smoothly (a link capped as a whole). */
const wholeLink = (cap: number): ModelServer => ({
  bytes: (c, from, to, all) => {
    if (c.answeredAt >= to) return 0
    const answered = all.filter((o) => o.answeredAt < to)
    const first = Math.min(...answered.map((o) => o.answeredAt))
    return (cap * overlap(from, to, first)) / 1000 / answered.length
  },
  paused: () => false,
})

/**
 * Drives a ConnectionRamp beat by beat (100 ms) against a modelled server: the probe opens at
 * 0, connections open at the beat the target rises (each answered `delay(i)` ms after it opens),
 * and the newest close when a growth is given back. Returns the most connections run, the count
 * at the end and whether a growth was given back.
 */
function driveRamp(
  server: ModelServer,
  delay: (index: number) => number,
  seconds = 6,
): { most: number; last: number; gaveBack: boolean } {
  const ramp = new ConnectionRamp()
  const connections: ModelConnection[] = [{ openedAt: 0, answeredAt: delay(0) }]
  let opened = 1
  let most = 1
  let gaveBack = false
  for (let now = 100; now <= seconds * 1000; now += 100) {
    let bytes = 0
    let waiting = 0
    let paused = 0
    for (const c of connections) {
      bytes += server.bytes(c, now - 100, now, connections)
      if (c.answeredAt > now) waiting++
      else if (server.paused(c, now)) paused++
    }
    const live = connections.length
    const rate = bytes * 10
    const beat = ramp.beat(figures({ now, rate, live, waiting, paused, maxConnections: 32 }))
    if (beat.giveBack) gaveBack = true
    connections.length = Math.min(connections.length, ramp.target)
    while (connections.length < ramp.target) {
      connections.push({ openedAt: now, answeredAt: now + delay(opened++) })
    }
    most = Math.max(most, connections.length)
  }
  return { most, last: connections.length, gaveBack }
}

describe('connections that bring nothing, against modelled servers (first bytes spread over up to 250 ms)', () => {
  const spreads = fc.record({
    first: fc.integer({ min: 1, max: 99 }),
    spread: fc.integer({ min: 1, max: 250 }),
    step: fc.integer({ min: 1, max: 97 }),
  })
  const delays =
    ({ first, spread, step }: { first: number; spread: number; step: number }) =>
    (i: number): number =>
      i === 0 ? first : 2 + ((i * step) % spread)

  it('nginx limit_rate at 128 KiB/s a connection (bursts once a second): ramps to the maximum, never gives back', () => {
    fc.assert(
      fc.property(spreads, (s) => {
        const run = driveRamp(nginxPaced(128 * 1024), delays(s))
        expect(run.gaveBack).toBe(false)
        expect(run.last).toBe(32)
      }),
      { numRuns: 300 },
    )
  })

  it('a smooth cap per connection: ramps to the maximum, never gives back', () => {
    fc.assert(
      fc.property(spreads, fc.integer({ min: 64, max: 4096 }), (s, kib) => {
        const run = driveRamp(perConnection(kib * 1024), delays(s))
        expect(run.gaveBack).toBe(false)
        expect(run.last).toBe(32)
      }),
      { numRuns: 300 },
    )
  })

  it('a link capped as a whole: the growth past four is given back, never past sixteen', () => {
    fc.assert(
      fc.property(spreads, fc.integer({ min: 1, max: 40 }), (s, mib) => {
        const run = driveRamp(wholeLink(mib * MiB), delays(s))
        expect(run.gaveBack).toBe(true)
        expect(run.most).toBeLessThanOrEqual(16)
        expect(run.last).toBe(FIRST_GROWTH)
      }),
      { numRuns: 300 },
    )
  })
})
