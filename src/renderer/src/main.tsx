import { connectToEngine } from './lib/connection/index.ts'
import { applyShellAttributes, describeShell } from './lib/shell.ts'
import { publishGate } from './store/app-store.ts'
import { attachConnection } from './store/engine-sink.ts'

// The page's entry is small on purpose: it opens the link to the engine and hands it to the
// store, which asks for the first rows as soon as the link is up, before React and the window
// (boot.tsx, a chunk of its own, fetched in parallel through a modulepreload link) are even
// evaluated: on a busy machine that evaluation is a good part of the load (docs/benchmarks.md,
// "Figures behind the window's comments").
applyShellAttributes(document.documentElement, describeShell(window.downpour))
const connection = connectToEngine()
// `data-engine` on the root mirrors the connection's status for styles and tests.
const showStatus = () => (document.documentElement.dataset['engine'] = connection.status().kind)
showStatus()
connection.onStatus(showStatus)
// The engine's changes reach React at most every 100 ms (PublishGate); tests of components
// keep synchronous notifications.
publishGate.enable()
attachConnection(connection)

const container = document.getElementById('root')
if (container === null) throw new Error('index.html has no #root element')

import('./boot.tsx').then(
  ({ renderApp }) => renderApp(container, connection),
  (error: unknown) => {
    // A chunk that cannot be loaded (a build half replaced, a server gone): say so, not a blank page.
    container.textContent = `The window could not be loaded: ${error instanceof Error ? error.message : String(error)}. Reload to try again.`
    container.setAttribute('role', 'alert')
  },
)
