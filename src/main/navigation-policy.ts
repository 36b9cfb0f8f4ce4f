/**
 * Where the app's web contents may go. The window only ever shows the app itself: links in
 * download names or pages must never turn it into a browser with a preload attached.
 */
export type NavigationPolicy = {
  /** True only for the app's own page (reloads included); query and hash are ignored. */
  readonly allowNavigation: (targetUrl: string) => boolean
  /** window.open and target=_blank never create windows. */
  readonly windowOpen: () => { action: 'deny' }
  /** Camera, notifications, clipboard, geolocation...: nothing is granted to the page. */
  readonly allowPermission: (permission: string) => boolean
  /** `<webview>` is disabled in webPreferences; this refuses it even if that ever changes. */
  readonly allowWebviewAttach: () => boolean
  /**
   * Any frame's navigation (`will-frame-navigate`): the main frame as `allowNavigation`; a
   * subframe never (the app has none, its CSP says `frame-src 'none'`; one that appears anyway
   * must not load anything, the app's page included).
   */
  readonly allowFrameNavigation: (target: { url: string; isMainFrame: boolean }) => boolean
}

/** Builds the policy for an app served from `appUrl` (dev server URL or app://downpour/). */
export function createNavigationPolicy(appUrl: string): NavigationPolicy {
  const app = parseUrl(appUrl)
  if (app === undefined) throw new TypeError(`Not an absolute URL: ${appUrl}`)
  const allowNavigation = (targetUrl: string): boolean => {
    const target = parseUrl(targetUrl)
    if (target === undefined) return false
    return (
      target.protocol === app.protocol &&
      target.host === app.host &&
      target.username === '' &&
      target.password === '' &&
      target.pathname === app.pathname
    )
  }
  return {
    allowNavigation,
    allowFrameNavigation: ({ url, isMainFrame }) => isMainFrame && allowNavigation(url),
    windowOpen: () => ({ action: 'deny' }),
    allowPermission: () => false,
    allowWebviewAttach: () => false,
  }
}

function parseUrl(value: string): URL | undefined {
  try {
    return new URL(value)
  } catch {
    return undefined
  }
}
