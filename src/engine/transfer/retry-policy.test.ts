import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { DownpourError, ERROR_CODES } from '../../shared/protocol/errors.ts'
import { backoffDelay, decideRetry, MAX_BACKOFF_MS, MAX_RETRY_AFTER_MS } from './retry-policy.ts'

const retryable = (retryAfterMs: number | null = null) =>
  new DownpourError(ERROR_CODES.network, 'reset', { retryable: true, retryAfterMs })
const fatal = new DownpourError(ERROR_CODES.httpStatus, '404', { retryable: false })

const unitRandom = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true })

describe('decideRetry', () => {
  it('never retries a non-retryable error, whatever the budget', () => {
    fc.assert(
      fc.property(fc.nat({ max: 100 }), fc.nat({ max: 100 }), (failuresInARow, maxTries) => {
        const decision = decideRetry({ error: fatal, failuresInARow, maxTries, baseDelayMs: 1000 })
        expect(decision).toEqual({ retry: false, reason: 'not retryable' })
      }),
    )
  })

  it('honours maxTries', () => {
    const base = { error: retryable(), maxTries: 3, baseDelayMs: 100, random: () => 0.5 }
    expect(decideRetry({ ...base, failuresInARow: 1 }).retry).toBe(true)
    expect(decideRetry({ ...base, failuresInARow: 2 }).retry).toBe(true)
    expect(decideRetry({ ...base, failuresInARow: 3 })).toEqual({
      retry: false,
      reason: 'gave up after 3 tries',
    })
    expect(decideRetry({ ...base, failuresInARow: 4 }).retry).toBe(false)
  })

  it('property: retries exactly while failuresInARow < maxTries; 0 means unlimited', () => {
    fc.assert(
      fc.property(fc.nat({ max: 10_000 }), fc.nat({ max: 50 }), (failuresInARow, maxTries) => {
        const decision = decideRetry({
          error: retryable(),
          failuresInARow,
          maxTries,
          baseDelayMs: 500,
        })
        expect(decision.retry).toBe(maxTries === 0 || failuresInARow < maxTries)
        if (decision.retry) {
          expect(decision.delayMs).toBeGreaterThanOrEqual(0)
          expect(decision.delayMs).toBeLessThanOrEqual(MAX_BACKOFF_MS)
        }
      }),
    )
  })

  it('uses Retry-After instead of the backoff', () => {
    const decision = decideRetry({
      error: retryable(7000),
      failuresInARow: 1,
      maxTries: 5,
      baseDelayMs: 100,
      random: () => 0,
    })
    expect(decision).toEqual({ retry: true, delayMs: 7000 })
    // Retry-After may exceed the backoff cap (the server asked for it) …
    expect(
      decideRetry({
        error: retryable(5 * 60_000),
        failuresInARow: 1,
        maxTries: 0,
        baseDelayMs: 100,
      }),
    ).toEqual({
      retry: true,
      delayMs: 5 * 60_000,
    })
    // … but a server asking for a day gets an hour.
    expect(
      decideRetry({
        error: retryable(24 * 3600_000),
        failuresInARow: 1,
        maxTries: 0,
        baseDelayMs: 100,
      }),
    ).toEqual({
      retry: true,
      delayMs: MAX_RETRY_AFTER_MS,
    })
  })

  it('never retries in a tight loop on Retry-After: 0, the backoff is the floor', () => {
    // Unlimited tries, a server answering 503 + Retry-After: 0 every time: the waits grow.
    const waits = [1, 2, 3, 9].map(
      (failuresInARow) =>
        decideRetry({
          error: retryable(0),
          failuresInARow,
          maxTries: 0,
          baseDelayMs: 100,
          random: () => 0,
        }) as { retry: true; delayMs: number },
    )
    expect(waits.map((w) => w.delayMs)).toEqual([50, 100, 200, 12_800])
    // A Retry-After longer than the backoff is obeyed as asked.
    expect(
      decideRetry({
        error: retryable(7000),
        failuresInARow: 2,
        maxTries: 0,
        baseDelayMs: 100,
        random: () => 1,
      }),
    ).toEqual({ retry: true, delayMs: 7000 })
  })

  it('Retry-After does not override maxTries or non-retryable errors', () => {
    expect(
      decideRetry({ error: retryable(1000), failuresInARow: 2, maxTries: 2, baseDelayMs: 100 })
        .retry,
    ).toBe(false)
    const fatalWithDelay = new DownpourError(ERROR_CODES.httpStatus, '403', {
      retryable: false,
      retryAfterMs: 1000,
    })
    expect(
      decideRetry({ error: fatalWithDelay, failuresInARow: 0, maxTries: 0, baseDelayMs: 100 })
        .retry,
    ).toBe(false)
  })

  it('passes the injected random to the backoff', () => {
    const at = (random: number) =>
      decideRetry({
        error: retryable(),
        failuresInARow: 3,
        maxTries: 0,
        baseDelayMs: 1000,
        random: () => random,
      })
    expect(at(0)).toEqual({ retry: true, delayMs: 2000 })
    expect(at(0.999999)).toEqual({ retry: true, delayMs: 4000 })
  })
})

describe('backoffDelay', () => {
  it('doubles per failure: 1 s, 2 s, 4 s … capped at a minute', () => {
    const max = () => 0.9999999
    expect([1, 2, 3, 4, 5, 6, 7, 8, 20, 1000].map((n) => backoffDelay(n, 1000, max))).toEqual([
      1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000, 60000,
    ])
    expect(backoffDelay(0, 1000, max)).toBe(1000)
  })

  it('a zero base delay stays zero even after thousands of failures (never NaN)', () => {
    expect(backoffDelay(1, 0, () => 0.5)).toBe(0)
    expect(backoffDelay(5000, 0, () => 0.5)).toBe(0)
    expect(
      decideRetry({ error: retryable(), failuresInARow: 5000, maxTries: 0, baseDelayMs: 0 }),
    ).toEqual({
      retry: true,
      delayMs: 0,
    })
  })

  it('property: delay lies within [exp/2, exp] and never exceeds MAX_BACKOFF_MS', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 2000 }),
        fc.integer({ min: 0, max: 120_000 }),
        unitRandom,
        (failure, base, r) => {
          const exp =
            base === 0 ? 0 : Math.min(MAX_BACKOFF_MS, base * 2 ** Math.max(0, failure - 1))
          const delay = backoffDelay(failure, base, () => r)
          expect(Number.isInteger(delay)).toBe(true)
          expect(delay).toBeGreaterThanOrEqual(Math.floor(exp / 2))
          expect(delay).toBeLessThanOrEqual(Math.ceil(exp))
          expect(delay).toBeLessThanOrEqual(MAX_BACKOFF_MS)
        },
      ),
    )
  })

  it('property: more failures never shorten the worst-case wait', () => {
    fc.assert(
      fc.property(fc.nat({ max: 100 }), fc.integer({ min: 1, max: 10_000 }), (failure, base) => {
        const top = () => 0.9999999
        expect(backoffDelay(failure + 1, base, top)).toBeGreaterThanOrEqual(
          backoffDelay(failure, base, top),
        )
      }),
    )
  })
})
