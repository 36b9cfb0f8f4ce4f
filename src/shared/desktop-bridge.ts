/**
 * What the preload exposes to the page as `window.downpour`. Everything here crosses the
 * context-isolation boundary, so it stays small: each addition is reviewed through the
 * surface snapshot in src/preload/index.test.ts.
 *
 * Types and constants only: the renderer imports this file for `window.downpour`, and must not
 * get a runtime dependency on the preload.
 */
export type DownpourBridge = {
  /** `process.platform` of the host, e.g. 'darwin' (title bar layout differs per OS). */
  readonly platform: string
  /** Versions of the runtime the app is running in, for diagnostics and bug reports. */
  readonly versions: Readonly<{ electron: string; chrome: string; node: string }>
  /**
   * How the engine's process is doing, from main. The latest status is replayed to a new
   * listener. The engine's MessagePort itself does not come through here: it arrives as a
   * window `message` event (see `ENGINE_PORT_MESSAGE`), the transfer pattern Electron documents.
   */
  onEngineStatus(listener: (status: EngineHostStatus) => void): () => void
  /** Starts the engine again after main gave up on it (5 crashes within a minute). */
  restartEngine(): void
  /** The native folder picker; resolves the chosen folder, or null when cancelled. */
  pickFolder(): Promise<string | null>
  /** Opens a completed download with the system's default app. Main resolves the path by id. */
  openDownload(id: string): Promise<void>
  /** Shows a download in the system's file manager. Main resolves the path by id. */
  showDownload(id: string): Promise<void>
  /** URLs from a second launch's command line, for the add dialog (replayed if unclaimed). */
  onExternalUrls(listener: (urls: string[]) => void): () => void
}

/** The engine host as main reports it to a window. */
export type EngineHostStatus =
  | { kind: 'starting' }
  | { kind: 'running' }
  | { kind: 'restarting'; attempt: number; reason: string }
  | { kind: 'failed'; message: string; detail: string }

/** `data.type` of the window message that carries the engine's MessagePort in `ports[0]`. */
export const ENGINE_PORT_MESSAGE = 'downpour:engine-port'

/** IPC channel names between the preload and main. */
export const IPC = {
  /** preload → main: this page is ready for an engine port (sent once per page load). */
  requestPort: 'engine:request-port',
  /** main → preload: a port (in `event.ports`). */
  port: 'engine:port',
  /** main → preload: `EngineHostStatus`. */
  status: 'engine:status',
  restart: 'engine:restart',
  pickFolder: 'dialog:pick-folder',
  openDownload: 'download:open',
  showDownload: 'download:show',
  /** main → preload: string[] */
  externalUrls: 'app:external-urls',
} as const
