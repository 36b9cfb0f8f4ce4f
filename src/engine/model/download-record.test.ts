import { describe, expect, it } from 'vitest'
import { ProgressHeartbeat } from '../stats/progress-heartbeat.ts'
import { newRecord, toSnapshot } from './download-record.ts'

describe('a download snapshot', () => {
  // Every change a client hears of builds one: a property spread in (or left out) for some
  // downloads gives snapshots two shapes and makes V8 define the rest one by one at run time.
  it('has the same keys in the same order whether the download runs or not', () => {
    const record = newRecord('id-1', 'https://example.com/a.bin', '/tmp/d', 'a.bin', 'queued', 1)
    const idle = toSnapshot(record, { speed: 0, eta: null, connections: 0 }, { maxTries: 5 })
    const running = toSnapshot(
      { ...record, state: 'downloading' },
      { speed: 10, eta: 3, connections: 2, lastByteAt: 1234 },
      { maxTries: 5 },
    )
    expect(Object.keys(running)).toEqual(Object.keys(idle))
    expect(running.lastByteAt).toBe(1234)
    expect(JSON.parse(JSON.stringify(idle))).not.toHaveProperty('lastByteAt')
  })

  it('is built from heartbeat figures of one shape, running or not', () => {
    const beat = new ProgressHeartbeat(
      1000,
      () => [],
      () => {},
    )
    const figures = beat.figures('nobody', { done: 0, size: null })
    expect(Object.keys(figures)).toEqual(['speed', 'eta', 'lastByteAt'])
  })
})
