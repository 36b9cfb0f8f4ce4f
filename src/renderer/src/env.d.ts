/// <reference types="vite/client" />
import type { DownpourBridge } from '../../shared/desktop-bridge.ts'

declare global {
  interface Window {
    /** Present in the Electron window (see src/preload); absent in a browser tab. */
    readonly downpour?: DownpourBridge
  }
}
