/**
 * What the preload exposes to the page as `window.downpour`. Everything here crosses the
 * context-isolation boundary, so it stays small: each addition is reviewed through the
 * surface snapshot in index.test.ts.
 *
 * Types only: the renderer imports this file for `window.downpour`, and must not get a runtime
 * dependency on the preload.
 */
export type DownpourBridge = {
  /** `process.platform` of the host, e.g. 'darwin' (title bar layout differs per OS). */
  readonly platform: string
  /** Versions of the runtime the app is running in, for diagnostics and bug reports. */
  readonly versions: Readonly<{ electron: string; chrome: string; node: string }>
}
