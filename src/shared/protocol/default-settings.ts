import type { Settings } from './model.ts'

/**
 * What a fresh engine starts with, apart from the download folder (the host's to choose: the
 * working folder for the CLI, the OS downloads folder for the desktop app). One table for the
 * engine and for anything that stands in for it (the renderer's test engine).
 */
export const DEFAULT_SETTINGS: Readonly<Omit<Settings, 'defaultDir'>> = {
  maxConcurrentDownloads: 5,
  maxConnectionsPerHost: 32,
  maxConnectionsPerDownload: 32,
  minSplitSize: 1024 * 1024,
  maxTries: 5,
  retryWaitMs: 1000,
  timeoutMs: 30_000,
  lowestSpeedLimit: 0,
  maxOverallDownloadLimit: 0,
  userAgent: 'Downpour/0.1',
  proxy: null,
  headers: {},
  aria2RpcEnabled: true,
  aria2RpcSecret: '',
}
