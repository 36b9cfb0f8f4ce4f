import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import type { EngineConnection } from '../../shared/protocol/connection.ts'
import { App } from './app.tsx'
import { whenFirstScreenReady } from './store/first-screen.ts'

/**
 * Draws the window into `container`. Loaded by the page's entry after it opened the link to the
 * engine, so the first rows are asked for while this chunk (React and the list) is evaluated;
 * the first render waits for them (briefly: store/first-screen.ts), so it draws them at once.
 */
export function renderApp(container: HTMLElement, connection: EngineConnection): void {
  const root = createRoot(container)
  whenFirstScreenReady(() =>
    root.render(
      <StrictMode>
        <App connection={connection} />
      </StrictMode>,
    ),
  )
}
