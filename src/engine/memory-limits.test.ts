import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { ENGINE_HOST_NODE_FLAGS, engineHostEnvWords } from './memory-limits.ts'

describe('engine host flags', () => {
  it('the CLI launcher sets them and the environment in its shebang (neither can be set once Node runs)', () => {
    const launcher = readFileSync(new URL('../../bin/downpour.mjs', import.meta.url), 'utf8')
    const shebang = launcher.split('\n')[0]
    expect(shebang).toBe(
      `#!/usr/bin/env -S ${engineHostEnvWords().join(' ')} node ${ENGINE_HOST_NODE_FLAGS.join(' ')}`,
    )
  })

  // A package script also runs under Windows' cmd, which has no `NAME=value command` form; the
  // environment only matters for glibc, so the dev script passes just the flags.
  it('`npm run downpour` passes the flags', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'))
    expect(pkg.scripts.downpour).toBe(`node ${ENGINE_HOST_NODE_FLAGS.join(' ')} src/cli/main.ts`)
  })
})
