// The built CLI's entry point (out/main/cli.js). It turns on Node's on-disk compile cache
// before loading the rest, so every run after the first skips compiling the bundled sources
// (undici alone is ~1 MB): ~50 ms of each start. NODE_DISABLE_COMPILE_CACHE=1 turns it off.
import { enableCompileCache } from 'node:module'

enableCompileCache()
const { main } = await import('./main.ts')
await main(process.argv)
