import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { DownpourError, ERROR_CODES } from '../../shared/protocol/errors.ts'
import { awaitsJudgment, MIRROR_TRIES, MirrorSources, type Source } from './mirror-sources.ts'

const URL0 = 'https://main.example/f.iso'
const mirrorsOf = (n: number) => Array.from({ length: n }, (_, i) => `https://m${i}.example/f.iso`)
const retryable = new DownpourError(ERROR_CODES.network, 'connection reset', { retryable: true })
const notFound = new DownpourError(ERROR_CODES.httpStatus, 'server answered 404 Not Found', {
  retryable: false,
})

/** What a run of connections can do to the sources, in any order. */
type Step =
  | { kind: 'open' }
  | { kind: 'close'; which: number }
  | { kind: 'serve'; which: number }
  | { kind: 'fail'; which: number; permanent: boolean }
  | { kind: 'beat'; rates: number[] }

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.constant({ kind: 'open' as const }),
  fc.record({ kind: fc.constant('close' as const), which: fc.nat(40) }),
  fc.record({ kind: fc.constant('serve' as const), which: fc.nat(40) }),
  fc.record({ kind: fc.constant('fail' as const), which: fc.nat(40), permanent: fc.boolean() }),
  fc.record({
    kind: fc.constant('beat' as const),
    rates: fc.array(fc.nat(1e7), { minLength: 6, maxLength: 6 }),
  }),
)

const MiB = 1024 * 1024

/**
 * Runs `sources` as SegmentedFetch does, a beat each 100 ms for `seconds`: each source's
 * connections reach what `serve(index, connections)` says (bytes/s in total), new connections
 * go where `pick` says up to `target(max)`, and a source's extras close when `beat` says.
 */
function simulate(
  sources: MirrorSources,
  serve: (index: number, connections: number) => number,
  seconds: number,
  max = 32,
): void {
  const received = new Map<Source, { bytes: number; waiting: number }>()
  for (let now = 0; now <= seconds * 1000; now += 100) {
    while (sources.all().reduce((n, s) => n + s.connections, 0) < sources.target(max))
      sources.opened(sources.pick())
    for (const s of sources.all()) {
      if (s.dropped !== null) continue
      const got = received.get(s) ?? { bytes: 0, waiting: 0 }
      got.bytes += (serve(s.index, s.connections) * 100) / 1000
      received.set(s, got)
      if (got.bytes > 0) sources.passed(s)
    }
    for (const s of sources.beat(now, received, true, max))
      while (s.connections > s.target) sources.closed(s)
  }
}

describe('MirrorSources: which source a new connection goes to', () => {
  it('property: never a dropped source, an unproven mirror one connection at a time, else the one furthest below its own count; counts within the maximum', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.array(stepArb, { maxLength: 120 }),
        (n, steps) => {
          const sources = new MirrorSources(URL0, mirrorsOf(n), '"e"')
          const open: Source[] = []
          let now = 0
          const bytes = new Map<Source, { bytes: number; waiting: number }>()
          for (const step of steps) {
            if (step.kind === 'open') {
              const picked = sources.pick()
              expect(picked.dropped).toBeNull()
              if (!picked.proven) expect(picked.connections).toBe(0)
              const room = (s: Source): number => s.target - s.connections
              for (const s of sources.all()) {
                if (s.dropped !== null || (!s.proven && s.connections > 0)) continue
                expect(room(s)).toBeLessThanOrEqual(room(picked))
                if (room(s) === room(picked))
                  expect(s.connections).toBeGreaterThanOrEqual(picked.connections)
              }
              sources.opened(picked)
              open.push(picked)
              continue
            }
            if (step.kind === 'beat') {
              now += 100
              for (const s of sources.all()) {
                const got = bytes.get(s) ?? { bytes: 0, waiting: 0 }
                got.bytes += step.rates[s.index]! / 10
                bytes.set(s, got)
              }
              sources.beat(now, bytes, true, 32)
              expect(sources.target(32)).toBeLessThanOrEqual(32)
              for (const s of sources.all()) expect(s.target).toBeGreaterThanOrEqual(1)
              continue
            }
            if (open.length === 0) continue
            const at = step.which % open.length
            const source = open[at]!
            if (step.kind === 'serve') sources.served(source, 1000)
            else if (step.kind === 'fail')
              sources.failed(source, step.permanent ? notFound : retryable)
            else {
              sources.closed(source)
              open.splice(at, 1)
            }
          }
          // The first URL is never dropped; connection counts match what is open.
          expect(sources.primary.dropped).toBeNull()
          for (const s of sources.all())
            expect(s.connections).toBe(open.filter((o) => o === s).length)
        },
      ),
      { numRuns: 300 },
    )
  })

  it('a server capped as a whole keeps the count its total stopped growing at; a faster one grows on while it pays', () => {
    // bench/mirrors.ts: the URL's server 2 MiB/s and the mirror's 8 MiB/s in total, however
    // many connections ask; a connection alone gets 1.5 and 6 MiB/s (a loaded machine's timers).
    const sources = new MirrorSources(URL0, mirrorsOf(1), null)
    const caps = [2 * MiB, 8 * MiB]
    simulate(sources, (i, n) => (n === 0 ? 0 : Math.min(caps[i]!, n * 0.75 * caps[i]!)), 10)
    const [slow, fast] = sources.all() as Source[]
    // The slow one: one connection brought 1.5, four 2 (×1.33 ≥ 1.15): kept; eight no more.
    expect([slow!.target, slow!.capped, slow!.connections]).toEqual([4, true, 4])
    expect([fast!.target, fast!.capped, fast!.connections]).toEqual([4, true, 4])
    expect(sources.settled(slow!)).toBe(false)
  })

  it('a server capped exactly as a whole keeps one connection: more bring nothing', () => {
    const sources = new MirrorSources(URL0, mirrorsOf(1), null)
    simulate(sources, (i, n) => (n === 0 ? 0 : i === 0 ? 2 * MiB : 8 * MiB), 10)
    expect(sources.all().map((s) => [s.target, s.connections, s.capped])).toEqual([
      [1, 1, true],
      [1, 1, true],
    ])
    expect(sources.target(32)).toBe(2)
  })

  it('a server capped per connection grows to the maximum, each growth paying; then its laggards are judged', () => {
    const sources = new MirrorSources(URL0, mirrorsOf(1), null)
    // The URL: 1 MiB/s per connection; the mirror: 8 MiB/s in total.
    simulate(sources, (i, n) => (i === 0 ? n * MiB : n === 0 ? 0 : 8 * MiB), 20, 16)
    const [perConnection, whole] = sources.all() as Source[]
    expect(whole!.target).toBe(1)
    expect(perConnection!.target).toBe(15)
    expect(perConnection!.capped).toBe(false)
    expect(sources.settled(perConnection!)).toBe(true)
    expect(sources.target(16)).toBe(16)
  })

  it('spreads connections evenly over proven sources not measured yet', () => {
    const sources = new MirrorSources(URL0, mirrorsOf(2), null)
    for (const s of sources.all()) sources.served(s, 1)
    const counts = [0, 0, 0]
    for (let i = 0; i < 9; i++) {
      const s = sources.pick()
      sources.opened(s)
      counts[s.index]!++
    }
    expect(counts).toEqual([3, 3, 3])
  })

  it('a range taken from a mirror before its answer came proves nothing', () => {
    const sources = new MirrorSources(URL0, mirrorsOf(1), null)
    const mirror = sources.all()[1]!
    sources.opened(sources.pick())
    sources.opened(sources.pick())
    expect(mirror.connections).toBe(1)
    sources.failed(mirror, retryable)
    sources.served(mirror, 0)
    expect([mirror.proven, mirror.failures]).toEqual([false, 1])
    // Still one connection at a time.
    expect(sources.pick()).toBe(sources.primary)
  })

  it('a passed answer proves a mirror before any byte; until then its waiting connection is not to be retired', () => {
    const sources = new MirrorSources(URL0, mirrorsOf(1), null)
    const mirror = sources.all()[1]!
    sources.opened(sources.primary)
    expect(sources.pick()).toBe(mirror)
    sources.opened(mirror)
    // Asked, no answer yet: its connection waits for the judgment, whoever took its range.
    expect(awaitsJudgment(mirror, 1000, 1000)).toBe(true)
    expect(awaitsJudgment(mirror, 1000, 1001)).toBe(false)
    expect(awaitsJudgment(sources.primary, 1000, 1000)).toBe(false)
    expect(awaitsJudgment(undefined, 1000, 1000)).toBe(false)
    expect(sources.pick()).toBe(sources.primary)
    sources.passed(mirror)
    expect(mirror.proven).toBe(true)
    expect(awaitsJudgment(mirror, 1000, 1000)).toBe(false)
    // Proven: a second connection may go there (the URL has more).
    sources.opened(sources.primary)
    expect(sources.pick()).toBe(mirror)
  })

  it('a mirror dropped in an earlier try of the run starts dropped and is never asked; a drop now is remembered', () => {
    const dropped = new Map<string, string>()
    const first = new MirrorSources(URL0, mirrorsOf(2), null, dropped)
    const [, m0, m1] = first.all()
    const other = new DownpourError(ERROR_CODES.differentFile, 'serves another file', {
      retryable: false,
    })
    expect(first.failed(m0!, other)).toBe('serves another file')
    expect([...dropped]).toEqual([[m0!.url, 'serves another file']])
    // The next try of the download: a new MirrorSources over the same record.
    const again = new MirrorSources(URL0, mirrorsOf(2), null, dropped)
    expect(again.all().map((s) => s.dropped)).toEqual([null, 'serves another file', null])
    expect(again.usable()).toBe(2)
    for (let i = 0; i < 6; i++) {
      const picked = again.pick()
      expect(picked.url).not.toBe(m0!.url)
      again.opened(picked)
    }
    expect(m1!.dropped).toBeNull()
  })

  it('drops a mirror at once for another file or a lasting error, after retries for the rest; never the first URL', () => {
    const sources = new MirrorSources(URL0, mirrorsOf(3), null)
    const [first, a, b, c] = sources.all() as Source[]
    expect(sources.failed(first!, notFound)).toBeNull()
    expect(
      sources.failed(a!, new DownpourError(ERROR_CODES.differentFile, 'x serves 3 bytes')),
    ).toBe('x serves 3 bytes')
    expect(sources.failed(b!, notFound)).toBe('server answered 404 Not Found')
    for (let i = 1; i < MIRROR_TRIES; i++) expect(sources.failed(c!, retryable)).toBeNull()
    expect(sources.failed(c!, retryable)).toMatch(/connection reset \(3 failures in a row\)/)
    expect(sources.pick()).toBe(first)
  })

  it('sends a mirror no If-Range and no credentials of another origin', () => {
    const sources = new MirrorSources(URL0, ['https://other.example/f.iso'], '"e"')
    const base = {
      url: URL0,
      finalUrl: 'https://cdn.main.example/f.iso',
      headers: { authorization: 'Basic x', cookie: 'a=b', 'user-agent': 'dp' },
      validator: '"e"',
      size: 10,
    }
    expect(sources.requestFor(sources.primary, base)).toBe(base)
    expect(sources.requestFor(sources.all()[1]!, base)).toEqual({
      url: 'https://other.example/f.iso',
      headers: { 'user-agent': 'dp' },
      validator: null,
      size: 10,
      mirror: { etag: '"e"' },
    })
  })
})
