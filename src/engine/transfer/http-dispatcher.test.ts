import * as undici from 'undici'
import { describe, expect, it } from 'vitest'
import { createDispatcher } from './http-dispatcher.ts'

describe('createDispatcher', () => {
  it('builds a direct agent, or a proxy agent when a proxy is set', () => {
    const direct = createDispatcher({ timeoutMs: 1000, proxy: null })
    const proxied = createDispatcher({ timeoutMs: 1000, proxy: 'http://127.0.0.1:9' })
    expect(direct).toBeInstanceOf(undici.Agent)
    expect(proxied).toBeInstanceOf(undici.ProxyAgent)
    return Promise.all([direct.close(), proxied.close()])
  })

  it('takes HTTP(S)_PROXY from the environment when no proxy is set', async () => {
    const saved = process.env.HTTP_PROXY
    process.env.HTTP_PROXY = 'http://127.0.0.1:9'
    try {
      const fromEnv = createDispatcher({ timeoutMs: 1000, proxy: null })
      expect(fromEnv).toBeInstanceOf(undici.EnvHttpProxyAgent)
      await fromEnv.close()
    } finally {
      if (saved === undefined) delete process.env.HTTP_PROXY
      else process.env.HTTP_PROXY = saved
    }
  })
})
