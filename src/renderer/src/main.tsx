import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { App } from './app.tsx'
import { connectToEngine } from './lib/connection/index.ts'
import { applyShellAttributes, describeShell } from './lib/shell.ts'

applyShellAttributes(document.documentElement, describeShell(window.downpour))
// Connect before the first render (the Electron port arrives right after the page's scripts
// ran); `data-engine` on the root mirrors the connection's status for styles and tests.
const connection = connectToEngine()
const showStatus = () => (document.documentElement.dataset['engine'] = connection.status().kind)
showStatus()
connection.onStatus(showStatus)

const container = document.getElementById('root')
if (container === null) throw new Error('index.html has no #root element')

createRoot(container).render(
  <StrictMode>
    <App connection={connection} />
  </StrictMode>,
)
