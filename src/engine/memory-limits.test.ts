import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import {
  BOUNDED_HEAP_GROWING_PERCENT,
  ENGINE_HOST_NODE_FLAGS,
  engineHostEnvWords,
  heapGrowingPercent,
  MIN_HEAP_ROOM_BYTES,
} from './memory-limits.ts'

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

describe('heap growth after a full GC', () => {
  const MB = 1024 * 1024
  it('leaves a small heap the room a download’s buffers need, and bounds a large one to 30 %', () => {
    // A 1 GiB download's engine thread: ~13 MB in use; 30 % (~8 MB of room) marked it ~50 times.
    const small = heapGrowingPercent(13 * MB)
    expect((13 * MB * small) / 100).toBeGreaterThanOrEqual(MIN_HEAP_ROOM_BYTES)
    expect(small % 10).toBe(0)
    // A 100,000-download queue (~100 MB live) keeps the bound W5's peak memory was measured with.
    expect(heapGrowingPercent(100 * MB)).toBe(BOUNDED_HEAP_GROWING_PERCENT)
    expect(heapGrowingPercent(MIN_HEAP_ROOM_BYTES)).toBe(BOUNDED_HEAP_GROWING_PERCENT)
    // Never below the bound, and defined for an empty heap.
    expect(heapGrowingPercent(63 * MB)).toBeGreaterThanOrEqual(BOUNDED_HEAP_GROWING_PERCENT)
    expect(heapGrowingPercent(0)).toBe(1000)
  })
})
