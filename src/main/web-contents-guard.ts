import type { App, Session, WebContents } from 'electron'
import type { NavigationPolicy } from './navigation-policy.ts'

/**
 * Applies the navigation policy to every web contents the app ever creates (windows, devtools,
 * anything a future feature opens), not only to the main window, so nothing slips past it.
 */
export function guardAllWebContents(app: App, policy: NavigationPolicy): void {
  app.on('web-contents-created', (_event, contents) => guardWebContents(contents, policy))
}

function guardWebContents(contents: WebContents, policy: NavigationPolicy): void {
  contents.setWindowOpenHandler(() => policy.windowOpen())
  contents.on('will-navigate', (event) => {
    if (!policy.allowNavigation(event.url)) event.preventDefault()
  })
  // will-navigate covers only the main frame and only navigations the page starts; this one
  // sees every frame's, so an iframe an injection adds cannot be pointed anywhere either.
  contents.on('will-frame-navigate', (event) => {
    if (!policy.allowFrameNavigation({ url: event.url, isMainFrame: event.isMainFrame }))
      event.preventDefault()
  })
  contents.on('will-redirect', (event) => {
    if (!policy.allowNavigation(event.url)) event.preventDefault()
  })
  contents.on('will-attach-webview', (event) => {
    if (!policy.allowWebviewAttach()) event.preventDefault()
  })
}

/** Answers both permission prompts and silent permission checks from the policy. */
export function guardSessionPermissions(session: Session, policy: NavigationPolicy): void {
  session.setPermissionRequestHandler((_contents, permission, callback) => {
    callback(policy.allowPermission(permission))
  })
  session.setPermissionCheckHandler((_contents, permission) => policy.allowPermission(permission))
}
