import { describe, expect, it } from 'vitest'
import { ENGINE_HOST_ENV, ENGINE_HOST_NODE_FLAGS } from '../engine/memory-limits.ts'
import { engineForkOptions, engineHostEnv } from './engine-fork.ts'

describe('engine fork options', () => {
  it('passes the engine-host V8 flags and a named service with captured output', () => {
    const options = engineForkOptions({})
    expect(options.execArgv).toEqual([...ENGINE_HOST_NODE_FLAGS])
    expect(options.serviceName).toBe('Downpour engine')
    expect(options.stdio).toBe('pipe')
  })

  it('drops variables that change what the process runs, and adds ENGINE_HOST_ENV', () => {
    const env = engineHostEnv({
      PATH: '/usr/bin',
      HOME: '/home/a',
      HTTPS_PROXY: 'http://proxy:3128',
      ELECTRON_RUN_AS_NODE: '1',
      NODE_OPTIONS: '--require /tmp/evil.js',
      node_options: '--inspect',
      MALLOC_ARENA_MAX: '8',
      UNSET: undefined,
    })
    expect(env).toEqual({
      PATH: '/usr/bin',
      HOME: '/home/a',
      HTTPS_PROXY: 'http://proxy:3128',
      ...ENGINE_HOST_ENV,
    })
  })
})
