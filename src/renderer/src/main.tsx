import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { App } from './app.tsx'
import { connectToEngine } from './lib/connection/index.ts'
import { applyShellAttributes, describeShell } from './lib/shell.ts'
import { attachConnection } from './store/engine-sink.ts'

applyShellAttributes(document.documentElement, describeShell(window.downpour))
// Connect before the first render (the Electron port arrives right after the page's scripts
// ran); `data-engine` on the root mirrors the connection's status for styles and tests.
const connection = connectToEngine()
const showStatus = () => (document.documentElement.dataset['engine'] = connection.status().kind)
showStatus()
connection.onStatus(showStatus)
// The store follows the connection from now, not from the App's first effect: the socket opens
// while React renders the empty window, and the first rows are asked for as soon as it is open
// (bench:ui: the effect ran a few hundred ms later on a busy machine). The App shares this.
attachConnection(connection)

const container = document.getElementById('root')
if (container === null) throw new Error('index.html has no #root element')

createRoot(container).render(
  <StrictMode>
    <App connection={connection} />
  </StrictMode>,
)
