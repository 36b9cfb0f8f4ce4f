import './app.css'
import { useEffect } from 'react'
import type { EngineConnection } from '../../shared/protocol/connection.ts'
import { Icon } from './components/icon.tsx'
import { TitleBar } from './components/title-bar.tsx'
import { ContextMenu } from './features/download-list/context-menu.tsx'
import { FilterBar } from './features/download-list/filter-bar.tsx'
import { RemoveDialog } from './features/download-list/remove-dialog.tsx'
import { DownloadList } from './features/download-list/download-list.tsx'
import { useWindowDropHighlight } from './features/drop/use-window-drop-highlight.ts'
import { useUiPreferencesSync } from './features/settings/ui-preferences.ts'
import { StatusBar } from './features/status-bar/status-bar.tsx'
import { Toolbar } from './features/toolbar/toolbar.tsx'
import {
  AddDialogSlot,
  ChangeUrlSlot,
  ChangeFolderSlot,
  DetailsSlot,
  prefetchViews,
  SettingsSlot,
} from './lazy-views.tsx'
import { useAppStore } from './store/app-store.ts'
import { attachConnection, restartEngine } from './store/engine-sink.ts'
import { startLiveSummary } from './store/announcer.ts'
import { showError } from './store/ui-actions.ts'
import { t } from './strings.ts'

export type AppProps = {
  /** The shell's link to the engine; null before a shell provides one (the frame alone). */
  readonly connection: EngineConnection | null
}

/** The window: title bar with the actions, filters, the list, the status bar, and the dialogs. */
export function App({ connection }: AppProps) {
  useWindowDropHighlight()
  useUiPreferencesSync()
  useEffect(() => (connection ? attachConnection(connection) : undefined), [connection])
  const dragOver = useAppStore((state) => state.ui.dragOver)
  // The views the first screen does not show load in idle time once the first rows are in.
  const loaded = useAppStore((state) => state.downloads.loaded)
  useEffect(() => (loaded ? prefetchViews() : undefined), [loaded])
  return (
    <div className="app">
      <TitleBar>
        <Toolbar />
      </TitleBar>
      <main className="download-area" data-drag-over={dragOver}>
        <FilterBar />
        <ErrorBanner />
        {/* The details drawer lies over the list only: the filter bar (tabs, sort, search)
            above it stays whole and usable with the drawer open. */}
        <div className="download-body">
          <DownloadList />
          <DetailsSlot />
        </div>
      </main>
      <StatusBar onRestart={restartEngine} />
      <AddDialogSlot />
      <RemoveDialog />
      <ChangeUrlSlot />
      <ChangeFolderSlot />
      <SettingsSlot />
      <ContextMenu />
      <Announcer />
    </div>
  )
}

function ErrorBanner() {
  const error = useAppStore((s) => s.ui.error)
  if (error === null) return null
  return (
    <div className="notice notice--error banner" role="alert">
      <Icon name="alert" />
      <span>{error}</span>
      <button
        type="button"
        className="icon-button"
        aria-label="Dismiss"
        onClick={() => showError(null)}
      >
        <Icon name="clear" />
      </button>
    </div>
  )
}

/**
 * One polite live region: a throttled summary (active downloads and speed, what finished), never
 * a word per beat (store/announcer.ts).
 */
function Announcer() {
  const announcement = useAppStore((s) => s.ui.announcement)
  useEffect(() => startLiveSummary(), [])
  return (
    <div
      className="visually-hidden"
      role="status"
      aria-label={t.announce.label}
      aria-live="polite"
      aria-atomic="true"
    >
      {announcement}
    </div>
  )
}
