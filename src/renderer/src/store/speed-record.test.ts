import { describe, expect, it } from 'vitest'
import { SpeedRecord } from './speed-record.ts'

const BEAT = 250

describe('SpeedRecord', () => {
  it('keeps the last 60 s of a download that moved, sampled on every beat, before any graph asks', () => {
    const record = new SpeedRecord()
    // 90 s of beats; the download carried on each (its figures changed).
    for (let i = 0; i <= 360; i++) record.beat(i * BEAT, ['a'], () => 1000 + i)
    const history = record.pin('a', 360 * BEAT, 0)
    const samples = history.samples(360 * BEAT)
    expect(samples[0]!.at).toBe(360 * BEAT - 60_000)
    expect(samples.at(-1)).toEqual({ at: 360 * BEAT, speed: 1360 })
    expect(samples).toHaveLength(241)
  })

  it('samples a download on beats that do not carry it (figures unchanged), with its last speed', () => {
    const record = new SpeedRecord()
    record.beat(0, ['a'], () => 500)
    for (let i = 1; i <= 8; i++) record.beat(i * BEAT, [], () => 500)
    expect(record.pin('a', 8 * BEAT, 500).samples(8 * BEAT)).toHaveLength(9)
  })

  it('drops a download quiet for a whole window or removed, but not one a graph shows', () => {
    const record = new SpeedRecord()
    record.beat(0, ['quiet', 'gone', 'shown'], () => 100)
    record.pin('shown', 0, 100)
    const speeds = new Map<string, number>([
      ['quiet', 0],
      ['shown', 0],
    ])
    for (let i = 1; i <= 300; i++) record.beat(i * BEAT, [], (id) => speeds.get(id))
    expect(record.size).toBe(1)
    expect(record.pin('shown', 300 * BEAT, 0).samples(300 * BEAT).length).toBeGreaterThan(200)
  })

  it('a graph opened on a still download starts from its current speed', () => {
    const record = new SpeedRecord()
    expect(record.pin('paused', 5, 0).samples(5)).toEqual([{ at: 5, speed: 0 }])
  })
})
