import { describe, expect, it } from 'vitest'
import { describeSegments } from './details-strings.ts'
import { SpeedHistory } from './speed-history.ts'

describe('SpeedHistory', () => {
  it('keeps only the last 60 s, oldest first, across the ring wrapping', () => {
    const history = new SpeedHistory()
    for (let i = 0; i < 600; i++) history.push(i * 250, i)
    const samples = history.samples(599 * 250)
    expect(samples[0]).toEqual({ at: 599 * 250 - 60_000, speed: 599 - 240 })
    expect(samples.at(-1)).toEqual({ at: 599 * 250, speed: 599 })
    expect(samples).toHaveLength(241)
    expect(samples.every((s, i) => i === 0 || s.at > samples[i - 1]!.at)).toBe(true)
  })
})

describe('describeSegments', () => {
  it('counts connections and what is done, whether or not the connections list it as finished', () => {
    const base = { id: 'x', size: 1000 }
    expect(
      describeSegments({
        ...base,
        finished: [[0, 300]],
        connections: [{ start: 0, pos: 300, end: 500 }],
      }),
    ).toBe('1 connection; 30 % done')
    expect(
      describeSegments({
        ...base,
        finished: [[0, 100]],
        connections: [
          { start: 0, pos: 200, end: 500 },
          { start: 500, pos: 750, end: 1000 },
        ],
      }),
    ).toBe('2 connections; 45 % done')
    expect(describeSegments({ id: 'x', size: null, finished: [], connections: [] })).toBe(
      '0 connections; 0 B received, size unknown',
    )
  })
})
