import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import * as http2 from 'node:http2'
import type { AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'
import * as onDemand from './http2-on-demand.ts'

/** undici's HTTP/2 client, whose `require('node:http2')` the bundle points at http2-on-demand.ts. */
const clientH2 = readFileSync(
  createRequire(import.meta.url).resolve('undici/lib/dispatcher/client-h2.js'),
  'utf8',
)

describe('http2-on-demand: what undici takes from node:http2', () => {
  it('has every constant undici destructures, with node:http2’s values', () => {
    const block = /const \{\s*constants: \{([^}]*)\}\s*\} = http2/.exec(clientH2)
    expect(block, 'the destructuring of http2.constants in client-h2.js').not.toBeNull()
    const names = block![1]!.split(',').map((name) => name.trim())
    expect(names.length).toBeGreaterThan(0)
    const real = http2.constants as unknown as Record<string, unknown>
    for (const name of names) {
      expect(onDemand.constants, name).toHaveProperty(name)
      expect((onDemand.constants as Record<string, unknown>)[name], name).toBe(real[name])
    }
  })

  it('has every member undici calls on the module', () => {
    const used = new Set([...clientH2.matchAll(/\bhttp2\.(\w+)/g)].map((m) => m[1]!))
    expect(used.size).toBeGreaterThan(0)
    for (const member of used) expect(onDemand, member).toHaveProperty(member)
  })

  it('connect opens a real HTTP/2 session (loading node:http2 then)', async () => {
    const server = http2.createServer((_request, response) => response.end('ok'))
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
    const { port } = server.address() as AddressInfo
    const session = onDemand.connect(`http://127.0.0.1:${port}`)
    try {
      const body = await new Promise<string>((done, fail) => {
        const stream = session.request({ ':path': '/' })
        let text = ''
        stream.setEncoding('utf8')
        stream.on('data', (chunk: string) => (text += chunk))
        stream.on('end', () => done(text))
        stream.on('error', fail)
      })
      expect(body).toBe('ok')
    } finally {
      session.close()
      await new Promise((done) => server.close(done))
    }
  })
})
