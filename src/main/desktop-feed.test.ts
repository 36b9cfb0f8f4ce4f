import { describe, expect, it } from 'vitest'
import type { EngineEventName, EngineEvents } from '../shared/protocol/events.ts'
import { useEngineHarness } from '../../test/engine-harness.ts'
import { makeBody } from '../../test/fault-server.ts'
import { DesktopFeed, type FeedSource } from './desktop-feed.ts'
import type { Finished } from './download-tally.ts'

const { server, engine } = useEngineHarness()

/**
 * The engine's events on their way to main, over a link that loses the ones `lose` picks (a
 * remote engine drops events for a slow client): main must notice from the revisions.
 */
function lossyLink(lose: (name: EngineEventName, payload: unknown) => boolean): FeedSource {
  return {
    on<K extends EngineEventName>(name: K, listener: (payload: EngineEvents[K]) => void) {
      return engine.on(name, (payload) => {
        if (!lose(name, payload)) listener(payload)
      })
    },
    snapshot: () => engine.snapshot(),
  }
}

async function until(what: string, test: () => boolean): Promise<void> {
  for (let i = 0; i < 2000 && !test(); i++) await new Promise((r) => setTimeout(r, 10))
  if (!test()) throw new Error(`never happened: ${what}`)
}

describe('DesktopFeed (main: tray, progress bar, notifications)', () => {
  it('follows the engine: a finished download is announced and counted', async () => {
    server.file('/ok.bin', makeBody(4096))
    const finished: Finished[] = []
    const feed = new DesktopFeed({ finished: (f) => finished.push(f), update: () => {} })
    const stop = feed.follow(lossyLink(() => false))
    await engine.add([{ url: server.url('/ok.bin') }, { url: server.url('/missing.bin') }])
    await until('both finished', () => finished.length === 2)
    expect(finished.map((f) => f.state).sort()).toEqual(['completed', 'failed'])
    expect(feed.summary().failed).toBe(1)
    expect(feed.state()!.order).toEqual((await engine.snapshot()).downloads.map((d) => d.id))
    stop()
  })

  it('notices a lost event from the revisions and reads the engine again', async () => {
    let lost = 0
    // Loses every event that says a download failed (the engine sends two: failed, then its
    // details): main used to keep showing it as running.
    const link = lossyLink((name, payload) => {
      if (name !== 'download/changed') return false
      const event = payload as EngineEvents['download/changed']
      if (!event.changes.some((c) => c.download.state === 'failed')) return false
      lost++
      return true
    })
    const feed = new DesktopFeed({ finished: () => {}, update: () => {} })
    const stop = feed.follow(link)
    await until('first snapshot', () => feed.state()?.loaded === true)
    await engine.add([{ url: server.url('/missing.bin') }])
    await until('the failure lost on the way', () => lost > 0)
    // The engine's next beat (it beats while idle) carries a revision main has not seen.
    await until('main failed it too', () => feed.summary().failed === 1)
    const engineNow = await engine.snapshot()
    const mine = feed.state()!
    expect(mine.revision).toBe(engineNow.revision)
    expect(mine.order.map((id) => mine.byId[id]!.state)).toEqual(
      engineNow.downloads.map((d) => d.state),
    )
    expect(feed.summary().tooltip).toBe('Downpour — 1 failed')
    stop()
  })
})
