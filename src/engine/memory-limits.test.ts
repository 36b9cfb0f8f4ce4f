import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { ENGINE_HOST_NODE_FLAGS } from './memory-limits.ts'

describe('engine host flags', () => {
  it('the CLI launcher passes them in its shebang (they cannot be set once Node runs)', () => {
    const launcher = readFileSync(new URL('../../bin/downpour.mjs', import.meta.url), 'utf8')
    const shebang = launcher.split('\n')[0]
    expect(shebang).toBe(`#!/usr/bin/env -S node ${ENGINE_HOST_NODE_FLAGS.join(' ')}`)
  })

  it('so does `npm run downpour`', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'))
    expect(pkg.scripts.downpour).toBe(`node ${ENGINE_HOST_NODE_FLAGS.join(' ')} src/cli/main.ts`)
  })
})
