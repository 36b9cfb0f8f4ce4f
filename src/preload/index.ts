import { contextBridge } from 'electron'
import type { DownpourBridge } from './bridge.ts'

const bridge = {
  platform: process.platform,
  versions: Object.freeze({
    electron: process.versions.electron,
    chrome: process.versions.chrome,
    node: process.versions.node,
  }),
} satisfies DownpourBridge

contextBridge.exposeInMainWorld('downpour', Object.freeze(bridge))
