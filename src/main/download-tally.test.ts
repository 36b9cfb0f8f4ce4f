import { describe, expect, it } from 'vitest'
import type { DownloadSnapshot } from '../shared/protocol/model.ts'
import { DownloadTally } from './download-tally.ts'
import {
  NotificationBatcher,
  summarizeFinished,
  type DesktopNotice,
} from './notification-batcher.ts'
import { makeSnapshot } from '../../test/make-snapshot.ts'

const download = (id: string, patch: Partial<DownloadSnapshot> = {}): DownloadSnapshot =>
  makeSnapshot({
    id,
    dir: '/d',
    name: `${id}.bin`,
    state: 'downloading',
    size: 100,
    tries: 1,
    resumable: true,
    connections: 1,
    ...patch,
  })
const settings = {} as never

describe('DownloadTally', () => {
  it('aggregates the progress of running downloads with a known size', () => {
    const tally = new DownloadTally()
    tally.snapshot({
      revision: 1,
      settings,
      downloads: [
        download('a'),
        download('b', { size: 300 }),
        download('c', { size: null }),
        download('d', { state: 'completed', size: 1000, done: 1000 }),
      ],
    })
    tally.beat({
      seq: 1,
      at: 0,
      revision: 1,
      speed: 2048,
      active: 3,
      items: [
        { id: 'a', done: 50, size: 100, speed: 1, eta: 1, connections: 1 },
        { id: 'b', done: 150, size: 300, speed: 1, eta: 1, connections: 1 },
        { id: 'c', done: 999, size: null, speed: 1, eta: null, connections: 1 },
      ],
    })
    expect(tally.summary()).toEqual({
      progress: 0.5,
      mode: 'normal',
      active: 3,
      failed: 0,
      speed: 2048,
      tooltip: 'Downpour — 3 active · 2.0 KiB/s',
    })
  })

  it('clears the bar when idle and shows error mode while something has failed', () => {
    const tally = new DownloadTally()
    tally.snapshot({ revision: 1, settings, downloads: [download('a', { state: 'completed' })] })
    expect(tally.summary()).toMatchObject({
      progress: -1,
      mode: 'none',
      tooltip: 'Downpour — idle',
    })
    tally.changed(download('b', { state: 'failed' }))
    expect(tally.summary()).toMatchObject({ progress: 1, mode: 'error', failed: 1 })
    tally.removed('b')
    expect(tally.summary().mode).toBe('none')
  })

  it('reports a download once, when it finishes', () => {
    const tally = new DownloadTally()
    tally.snapshot({ revision: 1, settings, downloads: [download('a')] })
    expect(tally.changed(download('a', { state: 'completed' }))).toEqual({
      id: 'a',
      name: 'a.bin',
      state: 'completed',
    })
    expect(tally.changed(download('a', { state: 'completed' }))).toBeNull()
    expect(
      tally.changed(download('b', { state: 'failed', error: { code: 'X', message: 'HTTP 404' } })),
    ).toEqual({
      id: 'b',
      name: 'b.bin',
      state: 'failed',
      error: 'HTTP 404',
    })
  })
})

describe('notifications', () => {
  it('names a single download and counts a batch', () => {
    expect(summarizeFinished([{ id: '1', name: 'a.iso', state: 'completed' }])).toEqual([
      { title: 'Download completed', body: 'a.iso' },
    ])
    const many = Array.from({ length: 312 }, (_, i) => ({
      id: `${i}`,
      name: `f${i}`,
      state: 'completed' as const,
    }))
    expect(
      summarizeFinished([...many, { id: 'x', name: 'bad', state: 'failed', error: 'HTTP 500' }]),
    ).toEqual([
      { title: '312 downloads completed', body: 'f0, f1, f2 and 309 more' },
      { title: 'Download failed', body: 'bad: HTTP 500' },
    ])
  })

  it('shows one notice for a burst, after it goes quiet or at the latest after maxWait', () => {
    let now = 0
    const timers = new Map<number, { at: number; fn: () => void }>()
    let next = 0
    const scheduler = {
      now: () => now,
      setTimeout: (fn: () => void, ms: number) => (timers.set(++next, { at: now + ms, fn }), next),
      clearTimeout: (handle: unknown) => timers.delete(handle as number),
    }
    const advance = (ms: number) => {
      now += ms
      for (const [id, t] of [...timers]) {
        if (t.at > now) continue
        timers.delete(id)
        t.fn()
      }
    }
    const shown: DesktopNotice[] = []
    const batcher = new NotificationBatcher({
      show: (n) => shown.push(n),
      scheduler,
      quietMs: 1000,
      maxWaitMs: 3000,
    })
    for (let i = 0; i < 312; i++) {
      batcher.add({ id: `${i}`, name: `f${i}`, state: 'completed' })
      advance(5)
    }
    expect(shown).toEqual([])
    advance(1000)
    expect(shown.map((n) => n.title)).toEqual(['312 downloads completed'])
    // A steady trickle still gets a notice within maxWait.
    for (let i = 0; i < 10; i++) {
      batcher.add({ id: `t${i}`, name: `t${i}`, state: 'completed' })
      advance(500)
    }
    expect(shown.map((n) => n.title)).toEqual(['312 downloads completed', '6 downloads completed'])
  })
})
