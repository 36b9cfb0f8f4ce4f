import { describe, expect, it } from 'vitest'
import { heartbeatHealth } from './heartbeat.ts'

const connected = { kind: 'connected' } as const

describe('heartbeatHealth', () => {
  it('green while beats arrive, amber after 1 s, red after 5 s, green again on a beat', () => {
    expect(heartbeatHealth(connected, 10_000, 10_200)).toBe('live')
    expect(heartbeatHealth(connected, 10_000, 11_000)).toBe('late')
    expect(heartbeatHealth(connected, 10_000, 14_999)).toBe('late')
    expect(heartbeatHealth(connected, 10_000, 15_000)).toBe('dead')
    expect(heartbeatHealth(connected, 15_100, 15_200)).toBe('live')
  })

  it('the link status wins over the beat age', () => {
    expect(
      heartbeatHealth({ kind: 'reconnecting', attempt: 2, reason: 'closed' }, 10_000, 10_100),
    ).toBe('reconnecting')
    expect(heartbeatHealth({ kind: 'failed', message: 'x', canRestart: true }, null, 0)).toBe(
      'failed',
    )
    expect(heartbeatHealth({ kind: 'connecting' }, null, 0)).toBe('connecting')
    expect(heartbeatHealth(connected, null, 0)).toBe('connecting')
  })
})
