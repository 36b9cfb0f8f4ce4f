// @vitest-environment happy-dom
import { cleanup, fireEvent, screen } from '@testing-library/react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { prefetchViews } from './lazy-views.tsx'
import { resetAppStore } from './store/app-store.ts'
import { FakeEngine } from './test/fake-engine.ts'
import { mountApp, settle } from './test/mount-app.tsx'
import { installLayoutShim } from './test/layout-shim.ts'

installLayoutShim()

describe('views loaded on demand', () => {
  afterEach(() => cleanup())

  it('the add dialog opens on the first click with focus inside, and Escape gives it back', async () => {
    resetAppStore()
    const engine = new FakeEngine()
    await mountApp(engine)
    // Closed views are not in the page at all: nothing of theirs is needed to draw the list.
    expect(screen.queryByRole('dialog')).toBeNull()
    const add = screen.getByRole('button', { name: 'Add URLs' })
    add.focus()
    fireEvent.click(add)
    const dialog = await screen.findByRole('dialog', { name: 'Add downloads' }, { timeout: 10_000 })
    expect(dialog.contains(document.activeElement)).toBe(true)
    fireEvent(dialog, new Event('cancel', { cancelable: true }))
    await settle()
    expect(screen.queryByRole('dialog')).toBeNull()
    expect(document.activeElement).toBe(add)
  })
})

describe('prefetchViews', () => {
  it('loads each view in an idle period of its own, and stops when asked', async () => {
    const idle: (() => void)[] = []
    const win = Object.assign(Object.create(globalThis) as typeof globalThis, {
      requestIdleCallback: vi.fn((callback: () => void) => idle.push(callback)),
      cancelIdleCallback: vi.fn(),
    })
    const stop = prefetchViews(win)
    // Nothing is loaded before the first idle period.
    expect(idle).toHaveLength(1)
    idle.shift()!()
    // The first view's import finishes, then the next waits for the next idle period.
    await vi.waitFor(() => expect(idle).toHaveLength(1), { timeout: 10_000 })
    idle.shift()!()
    await vi.waitFor(() => expect(idle).toHaveLength(1), { timeout: 10_000 })
    stop()
    expect(win.cancelIdleCallback).toHaveBeenCalledTimes(1)
    // A callback that still runs after stop() loads nothing more.
    idle.shift()!()
    await new Promise((r) => setTimeout(r, 50))
    expect(idle).toHaveLength(0)
    expect(win.requestIdleCallback).toHaveBeenCalledTimes(3)
  })
})
