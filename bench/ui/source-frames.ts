import { existsSync, readFileSync } from 'node:fs'
import { SourceMap } from 'node:module'
import { join } from 'node:path'
import type { FrameOrigin, ResolveFrame } from './load-summary.ts'

/**
 * Resolves the page's call frames to source modules through the build's source maps
 * (`DOWNPOUR_SOURCEMAP=1 electron-vite build` writes hidden ones next to the bundles in
 * `rendererDir`): a frame in the minified bundle becomes "react-dom" or
 * "renderer/store/engine-sink.ts" with the original function name where the map has one.
 * Scripts without a map are named by their file.
 */
export function sourceFrameResolver(rendererDir: string): ResolveFrame & { mapped: () => boolean } {
  const maps = new Map<string, SourceMap | null>()
  let mapped = false
  const mapFor = (url: string): SourceMap | null => {
    let pathname: string
    try {
      pathname = new URL(url).pathname
    } catch {
      return null
    }
    if (!maps.has(pathname)) {
      const file = join(rendererDir, pathname + '.map')
      maps.set(
        pathname,
        pathname.endsWith('.js') && existsSync(file)
          ? new SourceMap(JSON.parse(readFileSync(file, 'utf8')))
          : null,
      )
    }
    return maps.get(pathname)!
  }
  const resolve = (url: string, line: number, column: number): FrameOrigin | null => {
    const map = mapFor(url)
    if (!map) return null
    const entry = map.findEntry(line, column)
    if (!('originalSource' in entry) || typeof entry.originalSource !== 'string') return null
    mapped = true
    const module = moduleOf(entry.originalSource)
    const name = (entry as { name?: string }).name
    return { module, name: `${name ?? '(anonymous)'} ${module}:${entry.originalLine + 1}` }
  }
  return Object.assign(resolve, { mapped: () => mapped })
}

/** `…/node_modules/react-dom/cjs/x.js` → `react-dom`; `…/src/renderer/src/app.tsx` → `renderer/app.tsx`. */
export function moduleOf(source: string): string {
  const nm = source.lastIndexOf('node_modules/')
  if (nm >= 0) {
    const parts = source.slice(nm + 'node_modules/'.length).split('/')
    return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!
  }
  const renderer = source.lastIndexOf('renderer/src/')
  if (renderer >= 0) return 'renderer/' + source.slice(renderer + 'renderer/src/'.length)
  const shared = source.lastIndexOf('shared/')
  if (shared >= 0) return source.slice(shared)
  return source
}
