import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { backoffDelay } from './backoff.ts'

describe('backoffDelay', () => {
  it('doubles from the base: 0.5, 1, 2, 4 s, then stays at the cap', () => {
    const backoff = { baseMs: 500, maxMs: 4000 }
    expect([1, 2, 3, 4, 5, 50].map((n) => backoffDelay(n, backoff))).toEqual([
      500, 1000, 2000, 4000, 4000, 4000,
    ])
  })

  it('treats nonsense attempts as the first', () => {
    for (const n of [0, -3, Number.NaN]) expect(backoffDelay(n, { baseMs: 7, maxMs: 9 })).toBe(7)
  })

  it('never decreases and never exceeds the cap', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 1, max: 1000 }),
        (base, extra, attempt) => {
          const backoff = { baseMs: base, maxMs: base + extra }
          const now = backoffDelay(attempt, backoff)
          expect(now).toBeLessThanOrEqual(backoff.maxMs)
          expect(now).toBeGreaterThanOrEqual(base)
          expect(backoffDelay(attempt + 1, backoff)).toBeGreaterThanOrEqual(now)
        },
      ),
    )
  })
})
