import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { makeBody } from '../../test/fault-server.ts'
import { addOne, sha256, sha256File, useEngineHarness } from '../../test/engine-harness.ts'

/** Servers that bend HTTP in ways real ones do (issue 14's HTTP items, issue 13's body cap). */

const { server, dirs, engine } = useEngineHarness()
const MiB = 1024 * 1024

describe('interim responses', () => {
  // nginx, Apache and CDNs send 103 Early Hints; WebDAV servers send 102 Processing; some
  // servers and proxies send 100 Continue to requests that did not ask for it.
  it.each([[[100]], [[102]], [[103]], [[100, 102, 103, 103]]] as (100 | 102 | 103)[][][])(
    'skips interim responses %j before the final one (RFC 9110 §15.2)',
    async (interim) => {
      const body = makeBody(300_000, 201)
      server.file('/hints.bin', body, { interim })
      const id = await addOne(engine, { url: server.url('/hints.bin') })
      const done = await engine.waitFor(id, ['completed', 'failed'])
      expect(done.error).toBeNull()
      expect(done.state).toBe('completed')
      expect(await sha256File(join(dirs.downloads, 'hints.bin'))).toBe(sha256(body))
    },
  )
})

describe('bodies nobody wants', () => {
  // (An error body on the first connection was already cut: the failed exchange is aborted.)
  it.each([['redirect', 302]])(
    'reads at most a little of an endless %s body, then drops its connection',
    async (_kind, status) => {
      server.file('/target.bin', makeBody(1000, 202))
      let closed!: Promise<void>
      server.handle('/endless', (_req, res) => {
        res.writeHead(status, { location: '/target.bin', 'content-type': 'text/html' })
        const chunk = Buffer.alloc(64 * 1024, 0x61)
        const pump = (): void => {
          while (!res.destroyed && res.write(chunk));
        }
        res.on('drain', pump)
        closed = new Promise((resolve) => res.once('close', () => resolve()))
        pump()
      })
      const id = await addOne(engine, { url: server.url('/endless') })
      const done = await engine.waitFor(id, ['completed', 'failed'])
      expect(done.state).toBe(status === 302 ? 'completed' : 'failed')
      // The server sees its connection closed: the client stopped reading and hung up (before,
      // it read the endless body for as long as the server sent it).
      await closed
    },
    15_000,
  )
})

describe('a wrong Content-Range', () => {
  it('falls back to one connection from the first missing byte instead of starting over', async () => {
    await engine.updateSettings({ minSplitSize: 256 * 1024 })
    const body = makeBody(4 * MiB, 203)
    let plain = 0
    server.file('/wcr.bin', body, {
      rateLimit: 4 * MiB,
      fault: ({ range }) => {
        // Every range answered one byte off; whole-file answers cut at 1, 2, 3 MiB, then whole.
        if (range) return { kind: 'wrong-range', start: range.start + 1 }
        plain++
        return plain <= 3 ? { kind: 'close', afterBytes: plain * MiB } : undefined
      },
    })
    // Two failures in a row are the limit: each try must keep what the last one got.
    const id = await addOne(engine, { url: server.url('/wcr.bin'), maxTries: 2 })
    const done = await engine.waitFor(id, ['completed', 'failed'], 30_000)
    expect(done.error).toBeNull()
    expect(done.state).toBe('completed')
    expect(await sha256File(join(dirs.downloads, 'wcr.bin'))).toBe(sha256(body))
    expect(engine.logs.map((l) => l.message).join('\n')).toMatch(
      /different range .* reading the rest on one connection/,
    )
  })

  it('uses a 206 that starts before the asked byte, skipping to the first missing one', async () => {
    const body = makeBody(2 * MiB, 204)
    server.file('/early.bin', body, {
      fault: ({ attempt, range }) =>
        attempt === 1
          ? { kind: 'close', afterBytes: MiB }
          : range
            ? { kind: 'wrong-range', start: range.start - 1000 }
            : undefined,
    })
    const id = await addOne(engine, { url: server.url('/early.bin'), maxConnections: 1 })
    const done = await engine.waitFor(id, ['completed', 'failed'])
    expect(done.state).toBe('completed')
    expect(await sha256File(join(dirs.downloads, 'early.bin'))).toBe(sha256(body))
    // One try after the cut, and only 1000 bytes fetched twice.
    expect(server.requests('/early.bin')).toHaveLength(2)
    expect(server.bytesServed('/early.bin')).toBe(body.length + 1000)
  })
})
