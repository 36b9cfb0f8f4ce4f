#!/usr/bin/env node
// Runs the CLI straight from its TypeScript source (Node >= 24 strips the types).
const { main } = await import('../src/cli/main.ts')
await main(process.argv)
