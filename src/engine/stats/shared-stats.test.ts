import { Worker } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import { SharedStats } from './shared-stats.ts'

const WORKER = new URL('../../../test/stress/shared-stats-worker.ts', import.meta.url)

describe('SharedStats', () => {
  it('accepts only the bytes still inside a segment after a split', () => {
    const stats = new SharedStats()
    stats.initSegment(0, 3, 100, 1100)
    expect(stats.advance(0, 200)).toBe(200)
    expect(stats.split(0, 100)).toEqual({ start: 700, end: 1100 })
    expect(stats.readSegment(0)).toEqual({ download: 3, start: 100, pos: 300, end: 700 })
    expect(stats.advance(0, 1000)).toBe(400)
    expect(stats.advance(0, 10)).toBe(0)
    expect(stats.split(0, 1)).toBeNull()
  })

  it('notes when a segment last took bytes (the planner measures quiet from it)', () => {
    const stats = new SharedStats()
    stats.initSegment(2, 0, 0, 100)
    expect(stats.readReader(2).lastByteAt).toBe(0)
    const before = Date.now()
    stats.advance(2, 60)
    const at = stats.readReader(2).lastByteAt
    expect(at).toBeGreaterThanOrEqual(before)
    // Bytes past the end (a split took them) are not taken: the time stays.
    stats.advance(2, 40)
    const taken = stats.readReader(2).lastByteAt
    expect(stats.advance(2, 10)).toBe(0)
    expect(stats.readReader(2).lastByteAt).toBe(taken)
    stats.initSegment(2, 1, 0, 10)
    expect(stats.readReader(2).lastByteAt).toBe(0)
    expect(at).toBeLessThanOrEqual(taken)
  })

  it('keeps per-download and global byte counters and connection counts', () => {
    const stats = new SharedStats()
    stats.setDownloadBytes(1, 1000)
    stats.addBytes(1, 500)
    stats.addBytes(2, 7)
    stats.addConnections(1, 3)
    stats.addConnections(1, -1)
    expect([stats.downloadBytes(1), stats.downloadBytes(2), stats.totalBytes()]).toEqual([
      1500, 7, 507,
    ])
    expect([stats.downloadConnections(1), stats.activeConnections()]).toEqual([2, 2])
  })

  it('limits with token buckets: global and per download, changeable at any time', () => {
    const stats = new SharedStats()
    expect(stats.take(0, 10_000_000, 0)).toBe(0)
    stats.setRate(-1, 1_000_000)
    // The burst (a quarter second) is free, then debt turns into waiting time.
    expect(stats.take(0, 250_000, 1000)).toBe(0)
    expect(stats.take(0, 500_000, 1000)).toBeCloseTo(500, 0)
    stats.setRate(0, 100_000)
    // The global bucket has refilled by now; the download's own (burst 25 kB) is what waits.
    expect(stats.take(0, 50_000, 2000)).toBeCloseTo(250, 0)
    expect(stats.take(0, 100_000, 2000)).toBeGreaterThan(900)
    stats.setRate(-1, 0)
    stats.setRate(0, 0)
    expect(stats.take(0, 1e9, 3000)).toBe(0)
  })

  it('tells how long a limit is in debt without spending from it', () => {
    const stats = new SharedStats()
    expect(stats.debtMs(0, 0)).toBe(0)
    stats.setRate(0, 100_000)
    expect(stats.take(0, 75_000, 1000)).toBeCloseTo(500, 0)
    // Asking spends nothing: the same debt, less the refill since.
    expect(stats.debtMs(0, 1000)).toBeCloseTo(500, 0)
    expect(stats.debtMs(0, 1200)).toBeCloseTo(300, 0)
    expect(stats.debtMs(0, 1600)).toBe(0)
    stats.setRate(-1, 50_000)
    // Its burst is 16 KiB, the smallest there is.
    expect(stats.take(1, 16_384 + 50_000, 2000)).toBeCloseTo(1000, 0)
    // The global bucket's debt holds every download back, also one without its own limit.
    expect(stats.debtMs(1, 2500)).toBeCloseTo(500, 0)
    expect(stats.debtMs(0, 2500)).toBeCloseTo(500, 0)
  })

  it('stays exact under 4 threads advancing while the main thread splits (stress)', async () => {
    const stats = new SharedStats()
    const size = 2 ** 40 // never finishes within the test: every step contends
    stats.initSegment(0, 0, 0, size)
    const control = new SharedArrayBuffer(4 * 5)
    const flags = new Int32Array(control)
    const workers = Array.from(
      { length: 4 },
      (_, i) =>
        new Worker(WORKER, {
          workerData: { buffer: stats.buffer, control, index: i, download: 0, seed: i + 1 },
        }),
    )
    // Run until every worker has made many steps while the main thread split and read many
    // times (real contention), however slowly a loaded machine schedules the threads.
    const enough = () =>
      segments > 10 && reads > 50 && [1, 2, 3, 4].every((i) => Atomics.load(flags, i) > 5000)
    const giveUpAt = Date.now() + 15_000
    const results = workers.map(
      (w) =>
        new Promise<{ accepted: number; steps: number }>((resolve, reject) => {
          w.once('message', resolve)
          w.once('error', reject)
        }),
    )
    let segments = 1
    let reads = 0
    while (!enough() && Date.now() < giveUpAt) {
      // Split the segment with the most left, as a freed connection would.
      // Read the counter first: bytes are accepted into a segment before they are counted.
      const done = stats.downloadBytes(0)
      let best = -1
      let bestLeft = 0
      const views = []
      for (let s = 0; s < segments; s++) {
        const v = stats.readSegment(s)
        views.push(v)
        if (v.end - v.pos > bestLeft) [best, bestLeft] = [s, v.end - v.pos]
      }
      checkInvariants(views, size, done)
      reads++
      if (segments < 2048 && best >= 0) {
        const half = stats.split(best, 1024)
        if (half) stats.initSegment(segments++, 0, half.start, half.end)
      }
      await new Promise((r) => setImmediate(r))
    }
    Atomics.store(flags, 0, 1)
    const totals = await Promise.all(results)
    const accepted = totals.reduce((sum, t) => sum + t.accepted, 0)
    const views = Array.from({ length: segments }, (_, s) => stats.readSegment(s))
    const received = views.reduce((sum, v) => sum + (v.pos - v.start), 0)
    expect(received).toBe(accepted)
    expect(stats.downloadBytes(0)).toBe(accepted)
    expect(stats.totalBytes()).toBe(accepted)
    expect(segments).toBeGreaterThan(10)
    expect(reads).toBeGreaterThan(10)
    expect(totals.every((t) => t.steps > 5000)).toBe(true)
  }, 30_000)
})

/** Segments tile [0, size) without overlap; every position inside its segment; 0 <= done <= size. */
function checkInvariants(
  views: { start: number; pos: number; end: number }[],
  size: number,
  done: number,
): void {
  const sorted = [...views].sort((a, b) => a.start - b.start)
  let cursor = 0
  let received = 0
  for (const v of sorted) {
    if (!(v.start <= v.pos && v.pos <= v.end)) throw new Error(`torn read ${JSON.stringify(v)}`)
    received += v.pos - v.start
    cursor = Math.max(cursor, v.start)
  }
  // Splits hand out [cut, end) from the segment that kept [start, cut): the ends chain exactly.
  const ends = new Set(sorted.map((v) => v.end))
  for (const v of sorted.slice(1))
    if (!ends.has(v.start)) throw new Error(`gap or overlap before ${v.start}`)
  if (!(done >= 0 && done <= size && done <= received))
    throw new Error(`done ${done} vs received ${received}`)
}
