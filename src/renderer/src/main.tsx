import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { App } from './app.tsx'
import { applyShellAttributes, describeShell } from './lib/shell.ts'

applyShellAttributes(document.documentElement, describeShell(window.downpour))

const container = document.getElementById('root')
if (container === null) throw new Error('index.html has no #root element')

createRoot(container).render(
  <StrictMode>
    <App connection={null} />
  </StrictMode>,
)
