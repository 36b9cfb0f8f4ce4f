import { describe, expect, it } from 'vitest'
import { makeBody } from '../../test/fault-server.ts'
import { addOne, useEngineHarness } from '../../test/engine-harness.ts'
import type { EngineEvents } from '../shared/protocol/events.ts'

const { server, open } = useEngineHarness({ engine: false })

describe('a running download that moves no bytes', () => {
  it('keeps the stamp of its last bytes in beats and snapshots; a paused one has none', async () => {
    const engine = await open()
    // Long enough that the quiet response is not given up on while the test watches.
    await engine.updateSettings({ timeoutMs: 120_000, maxConnectionsPerDownload: 1 })
    server.file('/quiet.bin', makeBody(1024 * 1024, 7), {
      fault: () => ({ kind: 'stall', afterBytes: 100_000 }),
    })
    const beats: EngineEvents['progress/beat'][] = []
    const off = engine.on('progress/beat', (beat) => beats.push(beat))
    const id = await addOne(engine, { url: server.url('/quiet.bin') })
    // Counted in beats, not timed: until the last 12 beats saw no new byte.
    let grewAt: number | null = null
    let quietBeats = 0
    let lastDone = -1
    for (let seen = 0; quietBeats < 12;) {
      await new Promise((resolve) => setTimeout(resolve, 50))
      for (; seen < beats.length; seen++) {
        const item = beats[seen]!.items.find((i) => i.id === id)
        const done = item?.done ?? lastDone
        if (done > lastDone) {
          lastDone = done
          grewAt = beats[seen]!.at
          quietBeats = 0
        } else if (lastDone >= 100_000) quietBeats++
      }
    }
    off()
    const d = (await engine.snapshot()).downloads.find((x) => x.id === id)!
    expect(d.state).toBe('downloading')
    expect(d.done).toBe(100_000)
    expect(d.connections).toBeGreaterThan(0)
    // The stamp is when the bytes last grew, no later than the beat whose item first showed
    // them: that beat, an earlier one, or the start when every byte came before the download's
    // meter began sampling (a beat then carries no item). Quiet beats after it never move it.
    expect(d.lastByteAt).toBeLessThanOrEqual(grewAt!)
    expect(beats.filter((b) => b.at > d.lastByteAt!).length).toBeGreaterThanOrEqual(12)
    const itemsAfter = beats
      .filter((b) => b.at > grewAt!)
      .flatMap((b) => b.items.filter((i) => i.id === id))
    for (const item of itemsAfter) expect(item.lastByteAt).toBe(d.lastByteAt)
    await engine.pause({ ids: [id] })
    const paused = (await engine.snapshot()).downloads.find((x) => x.id === id)!
    expect(paused.state).toBe('paused')
    expect(paused.lastByteAt).toBeUndefined()
  })
})
