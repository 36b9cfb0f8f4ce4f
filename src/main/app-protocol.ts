import { readFile } from 'node:fs/promises'
import { protocol } from 'electron'
import { APP_CSP, APP_SCHEME, APP_SCHEME_PRIVILEGES, resolveAppRequest } from './app-scheme.ts'

/** Must run before the app is ready: Chromium learns its schemes at start-up. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME_PRIVILEGES.scheme, privileges: { ...APP_SCHEME_PRIVILEGES.privileges } },
  ])
}

/**
 * Serves app://downpour/ from `root` (the built renderer folder), each answer with the strict
 * CSP and no sniffing. resolveAppRequest (unit-tested) decides; this only reads the file.
 */
export function handleAppScheme(root: string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const resolved = resolveAppRequest(request.url, root)
    if (!resolved.ok) return new Response(resolved.reason, { status: resolved.status })
    if (request.method !== 'GET' && request.method !== 'HEAD')
      return new Response('read only', { status: 405 })
    try {
      const body = await readFile(resolved.path)
      return new Response(request.method === 'HEAD' ? null : body, {
        status: 200,
        headers: {
          'content-type': resolved.mimeType,
          'content-security-policy': APP_CSP,
          'x-content-type-options': 'nosniff',
          'cross-origin-opener-policy': 'same-origin',
          'cross-origin-resource-policy': 'same-origin',
        },
      })
    } catch {
      return new Response('not found', { status: 404 })
    }
  })
}
