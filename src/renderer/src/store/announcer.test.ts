import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { DownloadSnapshot } from '../../../shared/protocol/model.ts'
import { resetAppStore, useAppStore } from './app-store.ts'
import { startLiveSummary, SUMMARY_INTERVAL_MS, summarize } from './announcer.ts'
import { applyBeat, applyChanged, applySnapshot } from './download-actions.ts'
import { makeSnapshot } from '../../../../test/make-snapshot.ts'

const MiB = 1024 * 1024

const download = (id: string, state: DownloadSnapshot['state']): DownloadSnapshot =>
  makeSnapshot({ id, state, size: 100 * MiB, tries: 1, resumable: true, connections: 1 })

describe('summarize', () => {
  it('says what is moving and what finished, in one sentence', () => {
    expect(summarize({ active: 3, speed: 12 * MiB, completed: ['report.pdf'], failed: [] })).toBe(
      '3 downloading, 12 MiB/s; report.pdf completed',
    )
    expect(summarize({ active: 0, speed: 0, completed: ['a', 'b'], failed: ['c'] })).toBe(
      '2 downloads completed, c failed',
    )
  })

  it('has nothing to say when nothing is active and nothing finished', () => {
    expect(summarize({ active: 0, speed: 0, completed: [], failed: [] })).toBe('')
  })
})

describe('the live summary', () => {
  let stop: () => void
  let sentences: { at: number; text: string }[]
  let offRecord: () => void
  let seq = 0
  const ids = ['a.iso', 'b.iso', 'c.iso']
  const beat = (speed: number) =>
    applyBeat({
      seq: ++seq,
      at: Date.now(),
      revision: 1,
      speed,
      active: ids.length,
      items: ids.map((id) => ({
        id,
        done: seq,
        size: 100 * MiB,
        speed: speed / 3,
        eta: 9,
        connections: 1,
      })),
    })

  beforeEach(() => {
    vi.useFakeTimers()
    resetAppStore()
    sentences = []
    offRecord = useAppStore.subscribe((s, prev) => {
      if (s.ui.announcement !== prev.ui.announcement)
        sentences.push({ at: Date.now(), text: s.ui.announcement })
    })
    applySnapshot({
      revision: 1,
      downloads: ids.map((id) => download(id, 'downloading')),
      settings: null as never,
    })
    stop = startLiveSummary()
  })
  afterEach(() => {
    stop()
    offRecord()
    vi.useRealTimers()
  })

  it('speaks at most once every interval while beats arrive four times a second', () => {
    for (let i = 0; i < 120; i++) {
      beat((10 + (i % 5)) * MiB) // a changing speed: every sentence would differ
      vi.advanceTimersByTime(250)
    }
    // 30 s of beats: one sentence right away, then one per interval — never one per beat.
    expect(sentences.length).toBeGreaterThanOrEqual(3)
    expect(sentences.length).toBeLessThanOrEqual(1 + Math.ceil(30_000 / SUMMARY_INTERVAL_MS))
    for (let i = 1; i < sentences.length; i++)
      expect(sentences[i]!.at - sentences[i - 1]!.at).toBeGreaterThanOrEqual(SUMMARY_INTERVAL_MS)
    expect(sentences[0]!.text).toMatch(/^3 downloading, 1\d MiB\/s$/)
  })

  it('coalesces what finished between two sentences, then falls silent when idle', () => {
    beat(12 * MiB)
    vi.advanceTimersByTime(1000)
    expect(sentences.map((s) => s.text)).toEqual(['3 downloading, 12 MiB/s'])
    const finish = (id: string, state: 'completed' | 'failed', revision: number) =>
      applyChanged({
        revision,
        changes: [{ download: { ...download(id, state), speed: 0 }, previousState: 'downloading' }],
      })
    finish('a.iso', 'completed', 2)
    vi.advanceTimersByTime(500)
    finish('b.iso', 'failed', 3)
    beat(4 * MiB)
    // Nothing before the interval is up, then one sentence with both.
    expect(sentences).toHaveLength(1)
    vi.advanceTimersByTime(SUMMARY_INTERVAL_MS)
    expect(sentences.map((s) => s.text)[1]).toBe(
      '1 downloading, 4.0 MiB/s; a.iso completed, b.iso failed',
    )
    finish('c.iso', 'completed', 4)
    vi.advanceTimersByTime(SUMMARY_INTERVAL_MS)
    expect(sentences.map((s) => s.text)[2]).toBe('c.iso completed')
    // Idle and unchanged: no timer left, nothing more said.
    expect(vi.getTimerCount()).toBe(0)
    vi.advanceTimersByTime(10 * SUMMARY_INTERVAL_MS)
    expect(sentences).toHaveLength(3)
  })
})
