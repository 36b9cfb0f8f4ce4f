import { describe, expect, it } from 'vitest'
import { RestartPolicy } from './restart-policy.ts'

describe('RestartPolicy', () => {
  it('restarts after 0.5, 1, 2 and 4 s, then gives up at the 5th crash within a minute', () => {
    const policy = new RestartPolicy()
    const decisions = [0, 1000, 3000, 7000, 12_000].map((at) => policy.crashed(at))
    expect(decisions).toEqual([
      { action: 'restart', attempt: 1, delayMs: 500 },
      { action: 'restart', attempt: 2, delayMs: 1000 },
      { action: 'restart', attempt: 3, delayMs: 2000 },
      { action: 'restart', attempt: 4, delayMs: 4000 },
      { action: 'give-up', crashes: 5 },
    ])
  })

  it('forgets crashes older than a minute', () => {
    const policy = new RestartPolicy()
    for (const at of [0, 10_000, 20_000, 30_000]) policy.crashed(at)
    // 65 s: the crash at 0 is out of the window; 4 remain counting this one.
    expect(policy.crashed(65_000)).toEqual({ action: 'restart', attempt: 4, delayMs: 4000 })
    // Rare crashes never add up to giving up.
    const rare = new RestartPolicy()
    for (let i = 0; i < 50; i++) expect(rare.crashed(i * 61_000).action).toBe('restart')
  })

  it('starts over when a person restarts the engine', () => {
    const policy = new RestartPolicy()
    for (const at of [0, 1, 2, 3, 4]) policy.crashed(at)
    policy.reset()
    expect(policy.crashed(5)).toEqual({ action: 'restart', attempt: 1, delayMs: 500 })
  })
})
