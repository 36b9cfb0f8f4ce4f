import type { NavigationPolicy } from './navigation-policy.ts'

/** What main knows about the frame an IPC message came from. */
export type SenderFrame = {
  readonly url: string
  /** False for iframes (which the CSP and navigation policy should already prevent). */
  readonly isMainFrame: boolean
} | null

/**
 * Whether an IPC message may be acted on: only the app's own page, in a main frame, may ask
 * for the engine port, a folder picker or to open a download. Anything else (a page the window
 * was somehow navigated to, an iframe, a destroyed frame) is ignored.
 */
export function isTrustedSender(frame: SenderFrame, policy: NavigationPolicy): boolean {
  return frame !== null && frame.isMainFrame && policy.allowNavigation(frame.url)
}
