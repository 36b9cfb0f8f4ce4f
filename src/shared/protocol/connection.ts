import type { EngineClient } from './rpc.ts'

/**
 * How a window's link to the engine is doing. The shells (Electron: a MessagePort from main;
 * browser: a WebSocket to `downpour serve`) report it; the UI shows it and never has to know
 * which shell it runs in.
 */
export type ConnectionStatus =
  | { kind: 'connecting' }
  | { kind: 'connected' }
  /** The engine process restarted or the socket dropped; the shell is getting a new link. */
  | { kind: 'reconnecting'; attempt: number; reason: string }
  /**
   * The shell gave up (desktop: 5 engine crashes within a minute; browser: the token was
   * refused). `detail` is what helps a person: the last lines of the engine's stderr.
   */
  | { kind: 'failed'; message: string; detail?: string; canRestart: boolean }

/**
 * What a shell gives the UI. The client is replaced on every (re)connection: a UI subscribes
 * with `onClient` and asks the new client for a snapshot, so it recovers by itself.
 */
export type EngineConnection = {
  readonly host: 'desktop' | 'browser'
  status(): ConnectionStatus
  onStatus(listener: (status: ConnectionStatus) => void): () => void
  /** The current client, or null while there is none. */
  client(): EngineClient | null
  /** Called with each new client (immediately, if one exists). */
  onClient(listener: (client: EngineClient) => void): () => void
  /** Desktop only: start the engine again after the shell gave up. */
  restartEngine?(): void
  /** Desktop only: the native folder picker; resolves null when cancelled. */
  pickFolder?(): Promise<string | null>
  /** Desktop only: URLs from a second launch's command line, for the add dialog. */
  onExternalUrls?(listener: (urls: string[]) => void): () => void
}
