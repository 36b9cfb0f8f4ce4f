import { join } from 'node:path'
import { APP_ENTRY_URL } from './app-scheme.ts'

/**
 * What the main window loads: the dev server in development, otherwise the built page served
 * from app://downpour/ (app-scheme.ts) out of `root`, never from file://.
 */
export type RendererLocation =
  | { readonly kind: 'dev-server'; readonly url: string }
  | { readonly kind: 'app'; readonly root: string; readonly url: string }

export type RendererLocationInput = {
  /** Directory of the built main bundle (`out/main`). */
  readonly mainDir: string
  /** `process.env.ELECTRON_RENDERER_URL`, set by `electron-vite dev`. */
  readonly devServerUrl: string | undefined
  readonly isPackaged: boolean
}

const loopbackHosts = new Set(['localhost', '127.0.0.1', '[::1]'])

/**
 * A packaged app never takes its page from the environment, and even in development only a
 * loopback http(s) server is accepted: an inherited variable must not point the window, with
 * its preload, at someone else's site.
 */
export function resolveRendererLocation(input: RendererLocationInput): RendererLocation {
  if (!input.isPackaged && input.devServerUrl !== undefined && isLoopbackHttp(input.devServerUrl)) {
    return { kind: 'dev-server', url: input.devServerUrl }
  }
  return { kind: 'app', root: join(input.mainDir, '../renderer'), url: APP_ENTRY_URL }
}

function isLoopbackHttp(value: string): boolean {
  try {
    const url = new URL(value)
    return (
      (url.protocol === 'http:' || url.protocol === 'https:') && loopbackHosts.has(url.hostname)
    )
  } catch {
    return false
  }
}
