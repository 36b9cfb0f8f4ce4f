import { beforeEach, describe, expect, it } from 'vitest'
import { useAppStore } from './app-store.ts'
import { setDragOver } from './ui-actions.ts'

describe('setDragOver', () => {
  beforeEach(() => setDragOver(false))

  it('starts without a drop highlight', () => {
    expect(useAppStore.getInitialState().ui.dragOver).toBe(false)
  })

  it('turns the highlight on and off', () => {
    setDragOver(true)
    expect(useAppStore.getState().ui.dragOver).toBe(true)
    setDragOver(false)
    expect(useAppStore.getState().ui.dragOver).toBe(false)
  })

  it('does not notify subscribers when the value does not change', () => {
    let notifications = 0
    const unsubscribe = useAppStore.subscribe(() => notifications++)
    setDragOver(false)
    setDragOver(true)
    setDragOver(true)
    unsubscribe()
    expect(notifications).toBe(1)
  })
})
