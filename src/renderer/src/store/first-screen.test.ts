import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { resetAppStore, useAppStore } from './app-store.ts'
import { applySnapshot } from './download-actions.ts'
import { whenFirstScreenReady } from './first-screen.ts'
import { FakeEngine } from '../test/fake-engine.ts'

describe('whenFirstScreenReady', () => {
  beforeEach(() => {
    resetAppStore()
    vi.useFakeTimers()
  })
  afterEach(() => vi.useRealTimers())

  it('shows the window once, when the first rows are in the store', async () => {
    const show = vi.fn()
    whenFirstScreenReady(show, 400)
    expect(show).not.toHaveBeenCalled()
    const engine = new FakeEngine()
    await engine.add([{ url: 'https://a.example/one.bin' }])
    applySnapshot(await engine.snapshotHead(100))
    expect(show).toHaveBeenCalledTimes(1)
    vi.advanceTimersByTime(1000)
    applySnapshot(await engine.snapshotHead(100))
    expect(show).toHaveBeenCalledTimes(1)
  })

  it('shows it when the link is down, whatever the rows', () => {
    const show = vi.fn()
    whenFirstScreenReady(show, 400)
    useAppStore.setState((s) => ({
      connection: { ...s.connection, status: { kind: 'reconnecting', attempt: 1, reason: 'x' } },
    }))
    expect(show).toHaveBeenCalledTimes(1)
  })

  it('shows it after the wait when the engine has not answered', () => {
    const show = vi.fn()
    whenFirstScreenReady(show, 400)
    vi.advanceTimersByTime(399)
    expect(show).not.toHaveBeenCalled()
    vi.advanceTimersByTime(1)
    expect(show).toHaveBeenCalledTimes(1)
  })

  it('shows it at once when the rows came first, and never after a cancel', () => {
    useAppStore.setState((s) => ({ downloads: { ...s.downloads, loaded: true } }))
    const now = vi.fn()
    whenFirstScreenReady(now)
    expect(now).toHaveBeenCalledTimes(1)
    resetAppStore()
    const later = vi.fn()
    whenFirstScreenReady(later, 400)()
    vi.advanceTimersByTime(1000)
    expect(later).not.toHaveBeenCalled()
  })
})
