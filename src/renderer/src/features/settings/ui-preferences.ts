import { useEffect } from 'react'
import { create } from 'zustand'
import type { UiPreferences } from '../../../../shared/protocol/ui-preferences.ts'
import { useAppStore } from '../../store/app-store.ts'
import { ask, listen, send } from '../../store/engine-door.ts'
import { setSort } from '../../store/ui-actions.ts'
import { toSortSpec } from '../../store/view-sort.ts'

/**
 * The window's preferences as the engine keeps them (null until fetched). Kept by the engine so
 * the desktop window and every browser on `downpour serve` agree: a change anywhere arrives as
 * `ui/changed` and is applied here.
 */
export const useUiPreferences = create<{ preferences: UiPreferences | null }>()(() => ({
  preferences: null,
}))

/** Sends a preferences patch; the engine's `ui/changed` updates every window, this one too. */
export async function updateUiPreferences(patch: Partial<UiPreferences>): Promise<void> {
  const preferences = await send('updateUiPreferences', patch)
  if (preferences !== null) useUiPreferences.setState({ preferences })
}

/**
 * Follows the engine's UI preferences for as long as it is mounted: fetched on every new
 * connection, then kept by `ui/changed`; the theme is put on `<html data-theme>`.
 */
export function useUiPreferencesSync(): void {
  const connected = useAppStore((s) => s.connection.status.kind === 'connected')
  const loaded = useAppStore((s) => s.downloads.loaded)
  useEffect(() => {
    if (!connected || !loaded) return
    let live = true
    const off = listen('ui/changed', ({ preferences }) => {
      if (live) useUiPreferences.setState({ preferences })
    })
    // An engine without preferences: the OS theme stays.
    void ask('uiPreferences').then(
      (reply) => reply.ok && live && useUiPreferences.setState({ preferences: reply.value }),
    )
    return () => {
      live = false
      off()
    }
  }, [connected, loaded])
  // The list's sort follows the engine's preferences (this window's choice or another's).
  const sortColumn = useUiPreferences((s) => s.preferences?.sort.column)
  const sortDirection = useUiPreferences((s) => s.preferences?.sort.direction)
  useEffect(() => {
    if (sortColumn !== undefined && sortDirection !== undefined)
      setSort(toSortSpec({ column: sortColumn, direction: sortDirection }))
  }, [sortColumn, sortDirection])
  const theme = useUiPreferences((s) => s.preferences?.theme ?? 'system')
  useEffect(() => {
    if (theme === 'system') delete document.documentElement.dataset['theme']
    else document.documentElement.dataset['theme'] = theme
  }, [theme])
}
