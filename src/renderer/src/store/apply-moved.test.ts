import { beforeEach, describe, expect, it } from 'vitest'
import { FakeEngine } from '../test/fake-engine.ts'
import { resetAppStore, useAppStore } from './app-store.ts'
import { bindClient } from './engine-sink.ts'

const settle = () => new Promise((resolve) => setTimeout(resolve, 0))
const state = () => useAppStore.getState()
/** Resyncs asked for: the window reads a snapshot from its head (then the parts). */
const snapshots = (engine: FakeEngine) =>
  engine.calls.filter((c) => c.method === 'snapshot' || c.method === 'snapshotHead').length

/** Six paused downloads a…f in the store, synced from the engine. */
async function synced(): Promise<{ engine: FakeEngine; ids: string[]; unbind: () => void }> {
  const engine = new FakeEngine()
  await engine.add(
    ['a', 'b', 'c', 'd', 'e', 'f'].map((n) => ({ url: `https://x.example/${n}`, paused: true })),
  )
  const unbind = bindClient(engine)
  await settle()
  return { engine, ids: [...engine.order], unbind }
}

describe('download/moved in the store', () => {
  beforeEach(() => resetAppStore())

  it('applies what moved to its own order, without a snapshot, leaving every download object as it was', async () => {
    const { engine, ids, unbind } = await synced()
    const [a, b, c, d, e, f] = ids as [string, string, string, string, string, string]
    const entries = { ...state().downloads.byId }
    const asked = snapshots(engine)
    const events: unknown[] = []
    const off = engine.on('download/moved', (event) => events.push(event))
    await engine.moveMany([e, b], { after: c })
    off()
    // The event names only the moved ids and where they stand.
    expect(events).toEqual([{ revision: engine.snapshotNow().revision, ids: [b, e], position: 2 }])
    expect(state().downloads.order).toEqual([a, c, b, e, d, f])
    expect(state().view.visibleIds).toEqual([a, c, b, e, d, f])
    expect(state().downloads.revision).toBe(engine.snapshotNow().revision)
    for (const id of ids) expect(state().downloads.byId[id]).toBe(entries[id])
    expect(snapshots(engine)).toBe(asked)
    // And a single move the same way.
    await engine.move(f, 0)
    expect(state().downloads.order).toEqual([f, a, c, b, e, d])
    expect(snapshots(engine)).toBe(asked)
    unbind()
  })

  it('a moved event after a missed revision is not applied to a stale order: one snapshot instead', async () => {
    const { engine, ids, unbind } = await synced()
    const [a, , , , , f] = ids as [string, string, string, string, string, string]
    const asked = snapshots(engine)
    engine.dropEvents = true
    await engine.moveMany([f], { position: 0 })
    engine.dropEvents = false
    await engine.moveMany([a], { position: 99 })
    await settle()
    expect(snapshots(engine) - asked).toBe(1)
    expect(state().downloads.order).toEqual(engine.order)
    expect(state().downloads.revision).toBe(engine.snapshotNow().revision)
    unbind()
  })
})
