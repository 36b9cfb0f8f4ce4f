import { describe, expect, it } from 'vitest'
import { parseDesktopSettings, syncDesktopSettings } from './desktop-settings.ts'

describe('desktop settings kept by the engine', () => {
  it('reads a file from before the engine kept them, and defaults for anything unreadable', () => {
    expect(parseDesktopSettings({ notifications: false, closeToTray: true })).toEqual({
      notifications: false,
      closeToTray: true,
      keptByEngine: false,
    })
    expect(parseDesktopSettings('garbage')).toEqual({
      notifications: true,
      closeToTray: false,
      keptByEngine: false,
    })
  })

  it('hands the tray menu choices to the engine once, then follows the engine', () => {
    const local = parseDesktopSettings({ notifications: false, closeToTray: true })
    const first = syncDesktopSettings(local, { notifications: true, closeToTray: false })
    expect(first.push).toEqual({ notifications: false, closeToTray: true })
    expect(first.settings).toEqual({ notifications: false, closeToTray: true, keptByEngine: true })
    // The settings view turned notifications back on: main follows.
    const later = syncDesktopSettings(first.settings, { notifications: true, closeToTray: true })
    expect(later.push).toBeNull()
    expect(later.settings).toEqual({ notifications: true, closeToTray: true, keptByEngine: true })
  })

  it('pushes nothing when the engine already agrees', () => {
    const local = parseDesktopSettings({})
    expect(syncDesktopSettings(local, { notifications: true, closeToTray: false }).push).toBeNull()
  })
})
