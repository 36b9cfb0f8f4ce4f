import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { AuthThrottle } from './aria2-auth-throttle.ts'

function throttleAt(start = 1_000_000) {
  const clock = { now: start }
  const throttle = new AuthThrottle({
    limit: 10,
    windowMs: 60_000,
    baseLockMs: 10_000,
    maxLockMs: 600_000,
    now: () => clock.now,
  })
  return { clock, throttle }
}

describe('AuthThrottle', () => {
  it('locks every secret out at the 10th wrong one within a minute, for 10 s', () => {
    const { clock, throttle } = throttleAt()
    for (let i = 0; i < 9; i++) throttle.fail()
    expect(throttle.lockedFor()).toBe(0)
    throttle.fail()
    expect(throttle.lockedFor()).toBe(10_000)
    clock.now += 9_999
    expect(throttle.lockedFor()).toBe(1)
    clock.now += 1
    expect(throttle.lockedFor()).toBe(0)
  })

  it('forgets wrong secrets older than the window', () => {
    const { clock, throttle } = throttleAt()
    for (let i = 0; i < 9; i++) throttle.fail()
    clock.now += 60_000
    throttle.fail()
    expect(throttle.lockedFor()).toBe(0)
  })

  it('doubles each lockout that follows another, up to 10 minutes; short again after a quiet spell', () => {
    const { clock, throttle } = throttleAt()
    const lockouts: number[] = []
    for (let round = 0; round < 9; round++) {
      for (let i = 0; i < 10; i++) throttle.fail()
      const locked = throttle.lockedFor()
      lockouts.push(locked)
      clock.now += locked
    }
    expect(lockouts).toEqual([
      10_000, 20_000, 40_000, 80_000, 160_000, 320_000, 600_000, 600_000, 600_000,
    ])
    clock.now += 600_001
    for (let i = 0; i < 10; i++) throttle.fail()
    expect(throttle.lockedFor()).toBe(10_000)
  })

  it('property: however the wrong secrets are spread in time, at most 10 are counted per lockout', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 20_000 }), { maxLength: 300 }), (gaps) => {
        const { clock, throttle } = throttleAt()
        let checked = 0
        let lockouts = 0
        for (const gap of gaps) {
          clock.now += gap
          // A caller checks (and counts) a secret only while the door is open.
          if (throttle.lockedFor() > 0) continue
          checked++
          throttle.fail()
          if (throttle.lockedFor() > 0) lockouts++
        }
        expect(checked).toBeLessThanOrEqual((lockouts + 1) * 10)
      }),
    )
  })
})
