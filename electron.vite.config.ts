import { resolve } from 'node:path'
import { defineConfig } from 'electron-vite'
import react from '@vitejs/plugin-react'
import type { Plugin } from 'vite'

/**
 * The renderer's entry only opens the link to the engine and then imports the window's chunk
 * (src/renderer/src/boot.tsx). A modulepreload link for that chunk and what it imports lets the
 * browser fetch and compile it in parallel with the entry, instead of after it ran.
 */
function preloadBootChunk(): Plugin {
  return {
    name: 'downpour:preload-boot-chunk',
    transformIndexHtml: {
      order: 'post',
      handler(_html, ctx) {
        const bundle = ctx.bundle
        if (!bundle) return []
        const boot = Object.values(bundle).find(
          (c) => c.type === 'chunk' && c.isDynamicEntry && c.name === 'boot',
        )
        if (!boot || boot.type !== 'chunk') throw new Error('renderer build: no boot chunk')
        const files = new Set<string>()
        const visit = (fileName: string): void => {
          const chunk = bundle[fileName]
          if (!chunk || chunk.type !== 'chunk' || chunk.isEntry || files.has(fileName)) return
          files.add(fileName)
          chunk.imports.forEach(visit)
        }
        visit(boot.fileName)
        return [...files].map((file) => ({
          tag: 'link',
          attrs: { rel: 'modulepreload', crossorigin: true, href: `./${file}` },
          injectTo: 'head' as const,
        }))
      },
    },
  }
}

/**
 * undici's HTTP/2 client requires `node:http2` as it loads (for a few constants); the engine
 * never speaks HTTP/2, and the module costs ~9 ms of CPU at every start of the CLI and of each
 * transfer worker: the bundle takes those from src/engine/transfer/http2-on-demand.ts instead.
 */
function http2OnDemand(): Plugin {
  const shim = resolve('src/engine/transfer/http2-on-demand.ts')
  const required = "require('node:http2')"
  return {
    name: 'downpour:http2-on-demand',
    transform(code, id) {
      if (!id.replaceAll('\\', '/').endsWith('undici/lib/dispatcher/client-h2.js')) return null
      // Fails the build if undici stops requiring it this way: look again at what it needs.
      if (!code.includes(required)) throw new Error(`undici's client-h2.js: no ${required}`)
      return { code: code.replace(required, `require(${JSON.stringify(shim)})`), map: null }
    },
  }
}

// Four bundles: Electron main (plus the engine's utility-process entry and the plain-Node CLI),
// the sandboxed preload (a single CommonJS file, as sandbox: true requires) and the renderer.
export default defineConfig({
  main: {
    plugins: [http2OnDemand()],
    build: {
      // Bundled, not loaded from node_modules at run time: undici alone is ~100 CommonJS files,
      // and resolving them took 0.1 s of every CLI start and of every transfer worker's boot.
      externalizeDeps: { exclude: ['undici', 'commander', 'content-disposition', 'valibot'] },
      rollupOptions: {
        input: {
          index: resolve('src/main/index.ts'),
          utility: resolve('src/utility/index.ts'),
          // The CLI as plain JS for Node: starts faster and lighter than type-stripping the
          // sources (bench/ runs this one; `npm run downpour` and bin/ run the sources).
          cli: resolve('src/cli/entry.ts'),
          // Transfer worker threads load this file by path (see transfer-pool.ts).
          'transfer-worker': resolve('src/engine/transfer/transfer-worker.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      externalizeDeps: false,
      rollupOptions: {
        input: { index: resolve('src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve('src/renderer'),
    // Minified: electron-vite leaves bundles readable by default, and parsing 780 KB of
    // unminified JS delayed the first rows of a browser on `downpour serve` (bench:ui).
    build: {
      minify: true,
      // Hidden maps (no sourceMappingURL in the bundle) on request: bench:ui --profile-load
      // reads them to name modules and functions in the page's CPU profile.
      sourcemap: process.env['DOWNPOUR_SOURCEMAP'] === '1' ? 'hidden' : false,
      rollupOptions: { input: { index: resolve('src/renderer/index.html') } },
    },
    plugins: [react(), preloadBootChunk()],
  },
})
