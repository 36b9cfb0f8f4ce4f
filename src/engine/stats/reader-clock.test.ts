import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it, vi } from 'vitest'
import { isBehind } from '../segments/segment-speed.ts'
import { READER_TICK_MS, ReaderClock } from './reader-clock.ts'
import { SharedStats } from './shared-stats.ts'

/** Waits until `done()` holds, for at most 5 s. */
async function until(done: () => boolean): Promise<void> {
  for (const started = Date.now(); !done() && Date.now() - started < 5000;) await sleep(5)
}

describe('ReaderClock', () => {
  it('reports that the reading thread polls, holds and reads full, per segment, until stopped', async () => {
    const stats = new SharedStats()
    stats.initSegment(3, 0, 0, 1000)
    const clock = new ReaderClock(stats)
    const started = Date.now()
    const reader = clock.read(3)
    await sleep(4 * READER_TICK_MS)
    expect(stats.readReader(3).polledSince).toBeGreaterThanOrEqual(started)

    reader.hold(true)
    expect(stats.readReader(3).heldSince).toBeGreaterThanOrEqual(started)
    reader.hold(false)
    expect(stats.readReader(3)).toMatchObject({ heldSince: 0 })
    expect(stats.readReader(3).releasedAt).toBeGreaterThanOrEqual(started)
    reader.fullRead()
    expect(stats.readReader(3).fullReadAt).toBeGreaterThanOrEqual(started)

    reader.stop()
    const last = stats.readReader(3).polledSince
    await sleep(4 * READER_TICK_MS)
    expect(stats.readReader(3).polledSince).toBe(last)
    // A slot handed out again starts with nothing known.
    stats.initSegment(3, 1, 0, 10)
    expect(stats.readReader(3)).toEqual({
      polledSince: 0,
      heldSince: 0,
      releasedAt: 0,
      fullReadAt: 0,
      caughtUpAt: 0,
      lastByteAt: 0,
    })
  })

  it('reports a short read only as the first after a full read or a hold (the socket drained)', async () => {
    const stats = new SharedStats()
    stats.initSegment(5, 0, 0, 1000)
    const reader = new ReaderClock(stats).read(5)
    reader.shortRead()
    expect(stats.readReader(5).caughtUpAt).toBe(0)
    reader.fullRead()
    reader.fullRead()
    reader.shortRead()
    const caughtUp = stats.readReader(5).caughtUpAt
    expect(caughtUp).toBeGreaterThanOrEqual(stats.readReader(5).fullReadAt)
    expect(isBehind(stats.readReader(5), Date.now())).toBe(false)
    // Only the change is reported: a lock taken per read would cost every chunk.
    const marks = vi.spyOn(stats, 'markCaughtUp')
    reader.shortRead()
    expect(marks).not.toHaveBeenCalled()
    // (A sign in the same millisecond as the catch-up that answers it reads as answered.)
    await sleep(2)
    reader.hold(true)
    expect(isBehind(stats.readReader(5), Date.now())).toBe(true)
    reader.hold(false)
    expect(isBehind(stats.readReader(5), Date.now())).toBe(true)
    reader.shortRead()
    expect(marks).toHaveBeenCalledTimes(1)
    expect(isBehind(stats.readReader(5), Date.now())).toBe(false)
    reader.stop()
  })

  it('a full read that no read follows for a tick is caught up too; a held one is not', async () => {
    const stats = new SharedStats()
    stats.initSegment(6, 0, 0, 1000)
    stats.initSegment(7, 0, 0, 1000)
    const clock = new ReaderClock(stats)
    const drained = clock.read(6)
    const held = clock.read(7)
    // A burst that ended exactly at a read's end: its last read was full, no short one follows.
    drained.fullRead()
    held.fullRead()
    held.hold(true)
    expect(isBehind(stats.readReader(6), Date.now())).toBe(true)
    // (Ticks that come late, on a loaded machine, say nothing: wait for one on time.)
    await until(() => stats.readReader(6).caughtUpAt > 0)
    expect(stats.readReader(6).caughtUpAt).toBeGreaterThan(stats.readReader(6).fullReadAt)
    expect(isBehind(stats.readReader(6), Date.now())).toBe(false)
    // Held back, its socket fills whatever it reads: behind until it reads again.
    expect(isBehind(stats.readReader(7), Date.now())).toBe(true)
    held.hold(false)
    await until(() => !isBehind(stats.readReader(7), Date.now()))
    expect(stats.readReader(7).caughtUpAt).toBeGreaterThan(stats.readReader(7).releasedAt - 1)
    drained.stop()
    held.stop()
  })

  it('after its thread was blocked, vouches only for the time before the block', async () => {
    const stats = new SharedStats()
    stats.initSegment(0, 0, 0, 1000)
    const reader = new ReaderClock(stats).read(0)
    await sleep(3 * READER_TICK_MS)
    const blockedAt = Date.now()
    while (Date.now() - blockedAt < 300) {
      // The thread does not run its event loop: no socket is polled meanwhile.
    }
    // The first tick after the block (overdue, it runs in the same timers phase as this 1 ms
    // sleep, before it): the loop has polled since the tick before the block, no later.
    await sleep(1)
    expect(stats.readReader(0).polledSince).toBeLessThanOrEqual(blockedAt)
    await sleep(2 * READER_TICK_MS)
    expect(stats.readReader(0).polledSince).toBeGreaterThan(blockedAt)
    reader.stop()
  })
})
