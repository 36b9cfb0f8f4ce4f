import { describe, expect, it } from 'vitest'
import type { Engine } from '../../engine/engine.ts'
import type { EngineEventName, EngineEvents } from '../../shared/protocol/events.ts'
import { useEngineHarness } from '../../../test/engine-harness.ts'
import { Aria2DownloadView } from './aria2-download-view.ts'
import { gidOf, gidWork } from './aria2-gid.ts'

const { engine } = useEngineHarness({ server: false })

async function until(what: string, test: () => boolean): Promise<void> {
  for (let i = 0; i < 2000 && !test(); i++) await new Promise((r) => setTimeout(r, 10))
  if (!test()) throw new Error(`never happened: ${what}`)
}

describe('Aria2DownloadView over a link that loses events', () => {
  it('notices a lost last event from the next beat and lists the download', async () => {
    let lose = false
    // The engine with its events passing a lossy link (a remote engine under load drops them).
    const lossy: Engine = new Proxy(engine, {
      get(target, key) {
        const value = Reflect.get(target, key, target)
        if (key !== 'on') return typeof value === 'function' ? value.bind(target) : value
        return <K extends EngineEventName>(name: K, listener: (p: EngineEvents[K]) => void) =>
          target.on(name, (payload) => {
            if (lose && name === 'download/added') return
            listener(payload)
          })
      },
    })
    const view = new Aria2DownloadView(lossy)
    await view.ready
    lose = true
    const { added } = await engine.add([{ url: 'http://127.0.0.1:9/never.bin', paused: true }])
    lose = false
    // No event follows the lost one; before the mirror only a later change event told of it.
    await until('the paused download listed', () => view.count('waiting') === 1)
    expect(view.list('waiting').map((d) => d.id)).toEqual([added[0]!.id])
    view.close()
  })
})

describe('Aria2DownloadView GIDs', () => {
  it('works out no GID while none is looked up, then each download’s once at the first lookup', async () => {
    const view = new Aria2DownloadView(engine)
    await view.ready
    let notified = 0 // a notification names its download's GID (a few starts and stops here)
    view.notifications.on('notify', () => notified++)
    const before = gidWork.hashed
    const { added } = await engine.add(
      Array.from({ length: 1200 }, (_, i) => ({
        url: `http://127.0.0.1:9/f${i}.bin`,
        paused: true,
      })),
    )
    const ids = added.map((d) => d.id)
    await engine.resume({ ids: ids.slice(0, 600) })
    await engine.pause({ ids: ids.slice(0, 600) })
    await engine.remove({ ids: ids.slice(0, 200) })
    await until('the view followed the remove', () => view.count('waiting') === 1000)
    // 1,200 adds, 1,200 changes and 200 removals followed: no hashing but the notifications'
    // (it was one SHA-256 per download each time, aria2 client or none).
    expect(gidWork.hashed - before).toBe(notified)
    const last = ids.at(-1)!
    const atLookup = gidWork.hashed
    expect(view.find(gidOf(last)).id).toBe(last)
    const afterLookup = gidWork.hashed
    const notifiedBefore = notified
    expect(afterLookup - atLookup).toBe(1 + 1000) // the lookup's own GID, then the index
    // From then on the index follows: a new download is hashed once, and found.
    const { added: more } = await engine.add([{ url: 'http://127.0.0.1:9/g.bin', paused: true }])
    await until('the view listed it', () => view.count('waiting') === 1001)
    expect(view.find(gidOf(more[0]!.id)).id).toBe(more[0]!.id)
    expect(gidWork.hashed - afterLookup).toBe(2 + notified - notifiedBefore)
    expect(() => view.find(gidOf(ids[0]!))).toThrow(/not found/)
    view.close()
  })
})
