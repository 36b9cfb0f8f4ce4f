import { TitleBar } from './components/title-bar.tsx'
import { AddUrlsButton } from './features/downloads/add-urls-button.tsx'
import { DownloadList } from './features/downloads/download-list.tsx'
import { useWindowDropHighlight } from './features/drop/use-window-drop-highlight.ts'
import { useAppStore } from './store/app-store.ts'

/** The app frame: title bar with the toolbar, and the download area below it. */
export function App() {
  useWindowDropHighlight()
  const dragOver = useAppStore((state) => state.ui.dragOver)
  return (
    <div className="app">
      <TitleBar>
        <div role="toolbar" aria-label="Download actions" className="toolbar">
          <AddUrlsButton />
        </div>
      </TitleBar>
      <main className="download-area" data-drag-over={dragOver}>
        <DownloadList />
      </main>
    </div>
  )
}
