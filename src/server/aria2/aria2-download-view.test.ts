import { describe, expect, it } from 'vitest'
import type { Engine } from '../../engine/engine.ts'
import type { EngineEventName, EngineEvents } from '../../shared/protocol/events.ts'
import { useEngineHarness } from '../../../test/engine-harness.ts'
import { Aria2DownloadView } from './aria2-download-view.ts'

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
