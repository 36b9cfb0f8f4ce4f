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
  | { kind: 'observe'; which: number; speed: number }

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.constant({ kind: 'open' as const }),
  fc.record({ kind: fc.constant('close' as const), which: fc.nat(40) }),
  fc.record({ kind: fc.constant('serve' as const), which: fc.nat(40) }),
  fc.record({ kind: fc.constant('fail' as const), which: fc.nat(40), permanent: fc.boolean() }),
  fc.record({ kind: fc.constant('observe' as const), which: fc.nat(40), speed: fc.nat(1e7) }),
)

/** What one more connection to `s` is expected to bring (unmeasured: worth measuring). */
const perConnection = (s: Source): number =>
  s.speed === null ? Infinity : s.speed / Math.max(1, s.connections)

describe('MirrorSources: which source a new connection goes to', () => {
  it('property: never a dropped source, an unproven mirror one connection at a time, else the one whose connections bring the most', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.array(stepArb, { maxLength: 120 }),
        (n, steps) => {
          const sources = new MirrorSources(URL0, mirrorsOf(n), '"e"')
          const open: Source[] = []
          for (const step of steps) {
            if (step.kind === 'open') {
              const picked = sources.pick()
              expect(picked.dropped).toBeNull()
              if (!picked.proven) expect(picked.connections).toBe(0)
              // The best of those it could take: none usable brings more per connection, nor
              // as much with fewer connections.
              for (const s of sources.all()) {
                if (s.dropped !== null || (!s.proven && s.connections > 0)) continue
                expect(perConnection(s)).toBeLessThanOrEqual(perConnection(picked))
                if (perConnection(s) === perConnection(picked))
                  expect(s.connections).toBeGreaterThanOrEqual(picked.connections)
              }
              sources.opened(picked)
              open.push(picked)
              continue
            }
            if (open.length === 0) continue
            const at = step.which % open.length
            const source = open[at]!
            if (step.kind === 'serve') sources.served(source, 1000)
            else if (step.kind === 'observe') sources.observe(source, step.speed)
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

  it('gives a server capped as a whole connections in proportion to its speed', () => {
    const sources = new MirrorSources(URL0, mirrorsOf(1), null)
    const [slow, fast] = sources.all() as Source[]
    sources.served(fast!, 1)
    sources.observe(slow!, 2e6)
    sources.observe(fast!, 8e6)
    for (let i = 0; i < 10; i++) sources.opened(sources.pick())
    expect([slow!.connections, fast!.connections]).toEqual([2, 8])
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
