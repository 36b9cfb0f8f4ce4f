import { create } from 'zustand'

/**
 * Whether the settings view is open (its own tiny store: the app only mounts it), apart from
 * the view itself so the status bar's button does not pull the view into the first bundle.
 */
export const useSettingsOpen = create<{ open: boolean }>()(() => ({ open: false }))
export const openSettings = (): void => useSettingsOpen.setState({ open: true })
export const closeSettings = (): void => useSettingsOpen.setState({ open: false })

export const settingsText = {
  title: 'Settings',
  open: 'Settings',
  close: 'Close',
  engine: 'Downloads',
  appearance: 'Appearance',
  theme: 'Theme',
  themes: { system: 'Same as the system', light: 'Light', dark: 'Dark' },
  saved: 'Saved',
} as const
