#!/usr/bin/env -S node --max-semi-space-size=1
// Runs the CLI straight from its TypeScript source (Node >= 24 strips the types).
// The shebang's V8 flag is ENGINE_HOST_NODE_FLAGS (src/engine/memory-limits.ts): a small young
// generation keeps the resident memory of a download ~45 MB lower. `env -S` splits it off.
const { main } = await import('../src/cli/main.ts')
await main(process.argv)
