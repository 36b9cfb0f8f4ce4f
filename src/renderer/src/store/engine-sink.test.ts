import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { FakeEngine } from '../test/fake-engine.ts'
import { resetAppStore, useAppStore } from './app-store.ts'
import { flushAnnouncements } from './announcer.ts'
import { attachConnection, bindClient, currentClient } from './engine-sink.ts'
import { FakeConnection } from '../test/fake-connection.ts'

const settle = () => new Promise((resolve) => setTimeout(resolve, 0))
const state = () => useAppStore.getState()

describe('engine sink', () => {
  let engine: FakeEngine
  let unbind: () => void
  beforeEach(() => {
    resetAppStore()
    engine = new FakeEngine()
    engine.settings.maxConcurrentDownloads = 2
  })
  afterEach(() => unbind?.())

  it('takes a snapshot of what the engine already has', async () => {
    await engine.add([{ url: 'https://a.example/1.iso' }, { url: 'https://a.example/2.iso' }])
    unbind = bindClient(engine)
    await settle()
    expect(state().downloads.order).toEqual(engine.order)
    expect(state().downloads.loaded).toBe(true)
    expect(state().view.counts.active).toBe(2)
  })

  it('applies a beat in one update, replacing only the downloads that moved', async () => {
    unbind = bindClient(engine)
    await settle()
    await engine.add([
      { url: 'https://a.example/1.iso' },
      { url: 'https://a.example/2.iso' },
      { url: 'https://a.example/3.iso' },
    ])
    const before = state()
    const [a, b, c] = engine.order as [string, string, string]
    // byId is an index updated in place: the entries as they were before the beat.
    const entries = { ...before.downloads.byId }
    let updates = 0
    const off = useAppStore.subscribe(() => updates++)
    engine.beat()
    off()
    const after = state()
    expect(updates).toBe(1)
    expect(after.downloads).not.toBe(before.downloads)
    expect(after.downloads.byId[a]).not.toBe(entries[a])
    expect(entries[a]!.done).toBe(0)
    expect(after.downloads.byId[a]!.done).toBe(256 * 1024)
    expect(after.downloads.byId[b]!.done).toBe(256 * 1024)
    // The queued third did not move: same object, same order array, same view.
    expect(after.downloads.byId[c]).toBe(entries[c])
    expect(after.downloads.order).toBe(before.downloads.order)
    expect(after.view).toBe(before.view)
    expect(after.downloads.speed).toBe(2 * 1024 * 1024)
  })

  it('sees a missed revision and takes exactly one new snapshot', async () => {
    unbind = bindClient(engine)
    await settle()
    await engine.add([{ url: 'https://a.example/1.iso' }])
    engine.dropEvents = true
    await engine.add([{ url: 'https://a.example/2.iso' }, { url: 'https://a.example/3.iso' }])
    engine.dropEvents = false
    const snapshotsBefore = engine.calls.filter((c) => c.method === 'snapshotHead').length
    // The next event skips revisions; the beat after it too: one snapshot, not two.
    await engine.pause({ ids: [engine.order[0]!] })
    engine.beat()
    await settle()
    const snapshots =
      engine.calls.filter((c) => c.method === 'snapshotHead').length - snapshotsBefore
    expect(snapshots).toBe(1)
    expect(state().downloads.order).toEqual(engine.order)
    expect(state().downloads.revision).toBe(engine.snapshotNow().revision)
    expect(state().downloads.byId[engine.order[0]!]!.state).toBe('paused')
  })

  it('resnapshots when a beat shows the store is behind', async () => {
    unbind = bindClient(engine)
    await settle()
    engine.dropEvents = true
    await engine.add([{ url: 'https://a.example/1.iso' }])
    engine.dropEvents = false
    expect(state().downloads.order).toEqual([])
    engine.beat()
    await settle()
    expect(state().downloads.order).toEqual(engine.order)
  })

  it('keeps events that arrive while the snapshot is in flight', async () => {
    unbind = bindClient(engine)
    // Not settled: the snapshot reply is still pending when these events arrive.
    await engine.add([{ url: 'https://a.example/1.iso' }])
    await settle()
    expect(state().downloads.order).toEqual(engine.order)
    expect(state().downloads.revision).toBe(engine.snapshotNow().revision)
  })

  it('a new client (reconnection) replaces the old one and resyncs', async () => {
    unbind = bindClient(engine)
    await settle()
    await engine.add([{ url: 'https://a.example/1.iso' }])
    const second = new FakeEngine()
    await second.add([{ url: 'https://b.example/x.bin' }, { url: 'https://b.example/y.bin' }])
    unbind = bindClient(second)
    await settle()
    expect(state().downloads.order).toEqual(second.order)
    // The old client's events no longer reach the store.
    await engine.add([{ url: 'https://a.example/2.iso' }])
    expect(state().downloads.order).toEqual(second.order)
  })

  it('announces 50 downloads finishing in one beat as one sentence', async () => {
    engine.settings.maxConcurrentDownloads = 50
    unbind = bindClient(engine)
    await settle()
    await engine.add(Array.from({ length: 50 }, (_, i) => ({ url: `https://a.example/${i}.bin` })))
    let changes = 0
    const off = useAppStore.subscribe((s, prev) => {
      if (s.ui.announcement !== prev.ui.announcement) changes++
    })
    engine.beat(2 * 1024 * 1024)
    flushAnnouncements()
    off()
    expect(state().view.counts.completed).toBe(50)
    expect(changes).toBe(1)
    expect(state().ui.announcement).toBe('50 downloads completed')
  })

  it('shares one attachment of the same connection (the entry and the App): one snapshot, kept until both let go', async () => {
    await engine.add([{ url: 'https://a.example/1.iso' }])
    const connection = new FakeConnection()
    const byEntry = attachConnection(connection)
    const byApp = attachConnection(connection)
    connection.connect(engine)
    await settle()
    expect(engine.calls.filter((c) => c.method === 'snapshotHead')).toHaveLength(1)
    expect(state().downloads.order).toEqual(engine.order)
    byApp()
    byApp()
    expect(currentClient()).toBe(engine)
    byEntry()
    expect(currentClient()).toBeNull()
  })
})
