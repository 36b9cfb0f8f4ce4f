#!/usr/bin/env -S MALLOC_ARENA_MAX=1 node --max-semi-space-size=1 --heap-growing-percent=30
// Runs the CLI straight from its TypeScript source (Node >= 24 strips the types).
// The shebang's variable and V8 flag are ENGINE_HOST_ENV and ENGINE_HOST_NODE_FLAGS
// (src/engine/memory-limits.ts): one malloc arena and a small young generation keep the
// resident memory of a download ~60 MB lower. `env -S` splits them off.
//
// Nothing but the version check may come first, and only syntax any Node parses: a static
// import of something an old Node lacks (enableCompileCache, say) fails while the module is
// linked, before a line of it runs, with a SyntaxError that tells a person nothing.
const major = Number(process.versions.node.split('.')[0])
if (!(major >= 24)) {
  const { existsSync } = await import('node:fs')
  const { fileURLToPath } = await import('node:url')
  // The checkout pins Node 24 (the `node` devDependency): name it, so the way out is one line.
  const pinned = fileURLToPath(new URL('../node_modules/.bin/node', import.meta.url))
  process.stderr.write(
    `downpour needs Node 24 (found ${process.versions.node})\n` +
      (existsSync(pinned)
        ? `  put Node 24 first on PATH, or run it with the one this checkout pins: ${pinned} ${fileURLToPath(import.meta.url)} …\n`
        : '  put Node 24 first on PATH\n'),
  )
  process.exit(1)
}
const { enableCompileCache } = await import('node:module')
enableCompileCache() // as src/cli/entry.ts: later runs skip compiling the sources
const { main } = await import('../src/cli/main.ts')
await main(process.argv)
