import { describe, expect, it } from 'vitest'
import { heartbeatHealth } from './heartbeat.ts'
import { BeatClock } from '../../store/beat-clock.ts'
import { PageLag } from '../../store/page-lag.ts'
import { t } from '../../strings.ts'

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
  it('beats held behind the engine’s state events (a congested link) are the page catching up, not the engine late', () => {
    // The last beat at 10 s; a Resume all's events keep arriving, the beats wait behind them.
    const busyLink = (lastEventAt: number) => ({
      stalledMs: 0,
      beatDelay: 0,
      backlog: 0,
      lastEventAt,
      stalledSinceEventMs: 0,
    })
    expect(heartbeatHealth(connected, 10_000, 11_500, busyLink(11_400))).toBe('catching-up')
    expect(heartbeatHealth(connected, 10_000, 14_000, busyLink(13_900))).toBe('catching-up')
    // Nothing at all from the engine for a second, events or beats: the engine is late, then
    // not responding — however busy the link was before.
    expect(heartbeatHealth(connected, 10_000, 12_500, busyLink(11_400))).toBe('late')
    expect(heartbeatHealth(connected, 10_000, 16_400, busyLink(11_400))).toBe('dead')
    // An event older than the last beat says nothing new.
    expect(heartbeatHealth(connected, 10_000, 11_500, busyLink(9_000))).toBe('late')
    // The page's own stall after the last event is not the engine's silence either.
    expect(
      heartbeatHealth(connected, 10_000, 12_500, { ...busyLink(11_400), stalledSinceEventMs: 600 }),
    ).toBe('catching-up')
  })
})

describe('who is late: the engine or the page', () => {
  /** A page clock, an engine clock 7 s ahead of it (another host), beats every 250 ms. */
  function scene() {
    let now = 100_000
    const lag = new PageLag(100, () => now)
    const clock = new BeatClock()
    let lastBeatAt: number | null = null
    let beatDelay = 0
    const page = {
      get now() {
        return now
      },
      /** The page's loop runs freely for `ms`: the ticker fires on time. */
      idle(ms: number) {
        for (let t = 0; t < ms; t += 100) {
          now += 100
          lag.tick()
        }
      },
      /** The page's loop is blocked for `ms` (one long task); the ticker fires once after. */
      block(ms: number) {
        now += ms
        lag.tick()
      },
      /** A beat the engine sent at `engineAt` (its clock) reaches the page now. */
      receive(engineAt: number) {
        beatDelay = clock.note(engineAt, now)
        lastBeatAt = now
      },
      health(backlog = 0) {
        const stalledMs = lastBeatAt === null ? 0 : lag.stalledSince(lastBeatAt)
        return heartbeatHealth(connected, lastBeatAt, now, { stalledMs, beatDelay, backlog })
      },
    }
    return page
  }
  const SKEW = 7000

  it('a page blocked for 3 s while the engine beats on time is never "not responding"', () => {
    const page = scene()
    lagTickStart(page)
    for (let i = 0; i < 8; i++) {
      page.receive(page.now + SKEW)
      page.idle(250)
    }
    expect(page.health()).toBe('live')
    const blockedFrom = page.now
    page.block(3000)
    // The ticker ran before the queued beats: the silence was the page's own.
    expect(page.health()).toBe('live')
    // The twelve beats sent meanwhile arrive now: the first, 3 s late by the engine's clock,
    // says the page is catching up; the last was sent just now, the page is up to date.
    const health: string[] = []
    for (let sent = blockedFrom; sent < blockedFrom + 3000; sent += 250) {
      page.receive(sent + SKEW)
      health.push(page.health())
    }
    expect(health.slice(0, 5)).toEqual(Array(5).fill('catching-up'))
    expect(health.at(-1)).toBe('live')
  })

  it('the engine silent while the page runs freely: amber after 1 s, red after 5 s', () => {
    const page = scene()
    lagTickStart(page)
    page.receive(page.now + SKEW)
    page.idle(900)
    expect(page.health()).toBe('live')
    page.idle(200)
    expect(page.health()).toBe('late')
    page.idle(4000)
    expect(page.health()).toBe('dead')
  })

  it('the engine late although the page was also busy a while: the rest of the silence counts', () => {
    const page = scene()
    lagTickStart(page)
    page.receive(page.now + SKEW)
    page.block(800)
    page.idle(1500)
    // 2.3 s without a beat, 0.7 s of it the page's: 1.6 s are the engine's.
    expect(page.health()).toBe('late')
  })

  it('rows still to apply say "catching up" with their count', () => {
    const page = scene()
    lagTickStart(page)
    page.receive(page.now + SKEW)
    expect(page.health(4000)).toBe('catching-up')
    expect(t.statusBar.catchingUp(4000)).toBe('Catching up… 4,000 left')
  })
})

/** The first tick only sets the ticker's reference time. */
function lagTickStart(page: { idle(ms: number): void }): void {
  page.idle(100)
}
