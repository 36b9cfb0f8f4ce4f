import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { makeBody, strongEtag } from '../../test/fault-server.ts'
import { addOne, listDir, sha256, sha256File, useEngineHarness } from '../../test/engine-harness.ts'

const { server, dirs, engine } = useEngineHarness()

const MiB = 1024 * 1024

describe('a plain download', () => {
  it('writes the exact bytes under the name from the URL and leaves nothing else behind', async () => {
    const body = makeBody(3 * MiB + 123)
    server.file('/files/report.bin', body)
    const id = await addOne(engine, { url: server.url('/files/report.bin') })
    const done = await engine.waitFor(id, ['completed', 'failed'])
    expect(done.state).toBe('completed')
    expect(done.size).toBe(body.length)
    expect(await sha256File(join(dirs.downloads, 'report.bin'))).toBe(sha256(body))
    expect(await listDir(dirs.downloads)).toEqual(['report.bin'])
    const [request] = server.requests('/files/report.bin')
    expect(request?.headers['accept-encoding']).toBe('identity')
  })

  it('says "downloading" once the first response is in, not "probing" while bytes flow', async () => {
    server.file('/slow.bin', makeBody(4 * MiB, 41), { rateLimit: 512 * 1024 })
    const states: string[] = []
    engine.on('download/changed', (e) => states.push(...e.changes.map((c) => c.download.state)))
    const id = await addOne(engine, { url: server.url('/slow.bin'), maxConnections: 1 })
    for (;;) {
      const d = (await engine.snapshot()).downloads[0]!
      if (d.done >= 256 * 1024) {
        expect(d.state).toBe('downloading')
        break
      }
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    expect(states).toContain('downloading')
    await engine.pause({ ids: [id] })
  })

  it('asks for identity encoding, so a gzip-capable server sends the raw bytes', async () => {
    const body = Buffer.from('hello '.repeat(50_000))
    server.file('/text.txt', body, { gzip: true })
    const id = await addOne(engine, { url: server.url('/text.txt') })
    expect((await engine.waitFor(id, ['completed', 'failed'])).state).toBe('completed')
    expect(await sha256File(join(dirs.downloads, 'text.txt'))).toBe(sha256(body))
  })

  it('downloads a chunked body of unknown length and says it cannot resume', async () => {
    const body = makeBody(700_000, 7)
    server.file('/stream', body, { chunked: true })
    const id = await addOne(engine, { url: server.url('/stream') })
    const done = await engine.waitFor(id, ['completed', 'failed'])
    expect(done).toMatchObject({ state: 'completed', size: body.length, resumable: false })
    expect(await sha256File(join(dirs.downloads, 'stream'))).toBe(sha256(body))
    expect(engine.logs.map((l) => l.message).join('\n')).toMatch(/cannot resume/)
  })

  it('sends custom headers and the user agent, per download and engine-wide', async () => {
    await engine.updateSettings({ userAgent: 'TestAgent/1.0', headers: { 'X-Engine': 'all' } })
    server.file('/h.bin', makeBody(10))
    const id = await addOne(engine, {
      url: server.url('/h.bin'),
      headers: { Cookie: 'session=abc', Referer: 'https://example.org/' },
    })
    expect((await engine.waitFor(id, ['completed', 'failed'])).state).toBe('completed')
    expect(server.requests('/h.bin')[0]?.headers).toMatchObject({
      'user-agent': 'TestAgent/1.0',
      'x-engine': 'all',
      cookie: 'session=abc',
      referer: 'https://example.org/',
    })
  })

  it('sends Basic auth from the URL userinfo but never shows the password', async () => {
    server.file('/private.bin', makeBody(1000))
    const url = server.url('/private.bin').replace('http://', 'http://alice:s3cret@')
    const id = await addOne(engine, { url })
    const done = await engine.waitFor(id, ['completed', 'failed'])
    expect(done.state).toBe('completed')
    expect(server.requests('/private.bin')[0]?.headers.authorization).toBe(
      `Basic ${Buffer.from('alice:s3cret').toString('base64')}`,
    )
    const snapshot = JSON.stringify(await engine.snapshot())
    expect(snapshot).not.toContain('s3cret')
    expect(JSON.stringify(engine.logs)).not.toContain('s3cret')
  })
})

describe('resuming', () => {
  it('continues with Range + If-Range after a reset, without fetching bytes twice', async () => {
    const body = makeBody(4 * MiB, 2)
    server.file('/big.bin', body, {
      fault: ({ attempt }) => (attempt === 1 ? { kind: 'reset', afterBytes: 2 * MiB } : undefined),
    })
    const id = await addOne(engine, { url: server.url('/big.bin') })
    const done = await engine.waitFor(id, ['completed', 'failed'])
    expect(done.state).toBe('completed')
    expect(await sha256File(join(dirs.downloads, 'big.bin'))).toBe(sha256(body))
    const [first, second] = server.requests('/big.bin')
    expect(first?.range).toBeUndefined()
    expect(second?.range?.start).toBeGreaterThan(0)
    expect(second?.headers['if-range']).toBe(strongEtag(body))
    // Only what the reset destroyed in the kernel's buffers (never handed to us) is fetched
    // again: the resume starts at the first byte we did not get (the server counts).
    const refetched = server.bytesServed('/big.bin') - body.length
    expect(refetched).toBe(2 * MiB - (second?.range?.start ?? 0))
    expect(done.tries).toBe(2)
  })

  it('resumes a file too small to split (read on its one connection) right where it stopped', async () => {
    const body = makeBody(600_000, 22)
    server.file('/small.bin', body, {
      fault: ({ attempt }) => (attempt === 1 ? { kind: 'close', afterBytes: 250_001 } : undefined),
    })
    const id = await addOne(engine, { url: server.url('/small.bin') })
    const done = await engine.waitFor(id, ['completed', 'failed'])
    expect(done).toMatchObject({ state: 'completed', tries: 2, connections: 0 })
    expect(await sha256File(join(dirs.downloads, 'small.bin'))).toBe(sha256(body))
    expect(server.requests('/small.bin').map((r) => r.range?.start)).toEqual([undefined, 250_001])
    expect(server.bytesServed('/small.bin')).toBe(body.length)
    expect(await readdir(dirs.downloads)).toEqual(['small.bin'])
  })

  it('fetches no byte twice when a connection closes early (exact truncation)', async () => {
    const body = makeBody(4 * MiB + 17, 21)
    server.file('/cut.bin', body, {
      fault: ({ attempt }) =>
        attempt <= 2 ? { kind: 'close', afterBytes: MiB + attempt } : undefined,
    })
    const id = await addOne(engine, { url: server.url('/cut.bin') })
    const done = await engine.waitFor(id, ['completed', 'failed'])
    expect(done).toMatchObject({ state: 'completed', tries: 3 })
    expect(await sha256File(join(dirs.downloads, 'cut.bin'))).toBe(sha256(body))
    expect(server.bytesServed('/cut.bin')).toBe(body.length)
    expect(server.requests('/cut.bin').map((r) => r.range?.start)).toEqual([
      undefined,
      MiB + 1,
      2 * MiB + 3,
    ])
  })

  it('starts over when the server ignores Range (200 to a ranged request)', async () => {
    const body = makeBody(2 * MiB, 3)
    server.file('/norange.bin', body, {
      ignoreRange: true,
      fault: ({ attempt }) => (attempt === 1 ? { kind: 'close', afterBytes: MiB } : undefined),
    })
    const id = await addOne(engine, { url: server.url('/norange.bin') })
    expect((await engine.waitFor(id, ['completed', 'failed'])).state).toBe('completed')
    expect(await sha256File(join(dirs.downloads, 'norange.bin'))).toBe(sha256(body))
    expect(engine.logs.map((l) => l.message).join('\n')).toMatch(/ignored the Range/)
  })

  it('starts over when the file changed between tries (ETag differs)', async () => {
    const oldBody = makeBody(2 * MiB, 4)
    const newBody = makeBody(2 * MiB + 5000, 5)
    server.file('/changing.bin', oldBody, {
      fault: ({ attempt }) => {
        if (attempt === 1) {
          setImmediate(() => server.replace('/changing.bin', newBody, { fault: undefined }))
          return { kind: 'close', afterBytes: MiB }
        }
        return undefined
      },
    })
    const id = await addOne(engine, { url: server.url('/changing.bin') })
    const done = await engine.waitFor(id, ['completed', 'failed'])
    expect(done).toMatchObject({ state: 'completed', size: newBody.length })
    expect(await sha256File(join(dirs.downloads, 'changing.bin'))).toBe(sha256(newBody))
    expect(server.requests('/changing.bin')[1]?.headers['if-range']).toBeTruthy()
    expect(engine.logs.map((l) => l.message).join('\n')).toMatch(/changed on the server/)
  })

  it('handles 416 (file shrank, no validators) by starting over', async () => {
    const oldBody = makeBody(2 * MiB, 6)
    const newBody = makeBody(MiB / 2, 8)
    server.file('/shrinks.bin', oldBody, {
      etag: null,
      lastModified: null,
      fault: ({ attempt }) => {
        if (attempt === 1) {
          setImmediate(() =>
            server.replace('/shrinks.bin', newBody, {
              etag: null,
              lastModified: null,
              fault: undefined,
            }),
          )
          return { kind: 'close', afterBytes: MiB + 1000 }
        }
        return undefined
      },
    })
    const id = await addOne(engine, { url: server.url('/shrinks.bin') })
    const done = await engine.waitFor(id, ['completed', 'failed'])
    expect(done.state).toBe('completed')
    expect(await sha256File(join(dirs.downloads, 'shrinks.bin'))).toBe(sha256(newBody))
    expect(server.requests('/shrinks.bin').map((r) => r.status)).toContain(416)
  })

  it('restarts when a 206 carries a different range than asked', async () => {
    const body = makeBody(2 * MiB, 9)
    server.file('/wrong.bin', body, {
      fault: ({ attempt }) =>
        attempt === 1
          ? { kind: 'close', afterBytes: MiB }
          : attempt === 2
            ? { kind: 'wrong-range', start: 10 }
            : undefined,
    })
    const id = await addOne(engine, { url: server.url('/wrong.bin') })
    expect((await engine.waitFor(id, ['completed', 'failed'])).state).toBe('completed')
    expect(await sha256File(join(dirs.downloads, 'wrong.bin'))).toBe(sha256(body))
    expect(engine.logs.map((l) => l.message).join('\n')).toMatch(/different range/)
  })
})

describe('retries', () => {
  it('honours Retry-After on 503 and 429, then completes', async () => {
    const body = makeBody(10_000)
    server.file('/busy.bin', body, {
      fault: ({ attempt }) =>
        attempt === 1
          ? { kind: 'status', status: 503, headers: { 'retry-after': '1' } }
          : attempt === 2
            ? { kind: 'status', status: 429, headers: { 'retry-after': '0' } }
            : undefined,
    })
    const started = Date.now()
    const id = await addOne(engine, { url: server.url('/busy.bin') })
    const done = await engine.waitFor(id, ['completed', 'failed'])
    expect(done).toMatchObject({ state: 'completed', tries: 3 })
    expect(Date.now() - started).toBeGreaterThanOrEqual(950)
    const retried = engine.changes.filter((c) => c.download.state === 'retrying')
    expect(retried[0]?.download.error?.message).toMatch(/503/)
    expect(retried[0]?.download.nextRetryAt).toBeGreaterThan(started)
  })

  it('gives up on 404 at once, naming the status', async () => {
    const id = await addOne(engine, { url: server.url('/missing.bin') })
    const done = await engine.waitFor(id, ['completed', 'failed'])
    expect(done).toMatchObject({ state: 'failed', tries: 1, error: { code: 'DP_ERR_HTTP_STATUS' } })
    expect(done.error?.message).toMatch(/404/)
  })

  it('gives up after max tries of 500s', async () => {
    server.file('/broken.bin', makeBody(10), { fault: () => ({ kind: 'status', status: 500 }) })
    const id = await addOne(engine, { url: server.url('/broken.bin'), maxTries: 3 })
    const done = await engine.waitFor(id, ['completed', 'failed'])
    expect(done).toMatchObject({
      state: 'failed',
      tries: 3,
      error: { code: 'DP_ERR_HTTP_RETRYABLE' },
    })
    expect(server.requests('/broken.bin')).toHaveLength(3)
  })

  it('detects a stalled body with the idle timeout and resumes after it', async () => {
    await engine.updateSettings({ timeoutMs: 400 })
    const body = makeBody(3 * MiB, 11)
    server.file('/stall.bin', body, {
      fault: ({ attempt }) => (attempt === 1 ? { kind: 'stall', afterBytes: MiB } : undefined),
    })
    // One connection: with more, a stalled one is replaced before its timeout (segmented tests).
    const id = await addOne(engine, { url: server.url('/stall.bin'), maxConnections: 1 })
    const done = await engine.waitFor(id, ['completed', 'failed'])
    expect(done.state).toBe('completed')
    expect(await sha256File(join(dirs.downloads, 'stall.bin'))).toBe(sha256(body))
    expect(server.requests('/stall.bin')[1]?.range?.start).toBeGreaterThan(0)
    const retry = engine.changes.find((c) => c.download.state === 'retrying')
    expect(retry?.download.error?.code).toBe('DP_ERR_STALLED')
  })
})

describe('redirects', () => {
  it('follows a chain and names the file after the final URL', async () => {
    const body = makeBody(5000)
    server.file('/real/final-name.iso', body)
    server.redirect('/a', '/b', 301)
    server.redirect('/b', server.url('/c'), 302)
    server.redirect('/c', '/real/final-name.iso', 307)
    const id = await addOne(engine, { url: server.url('/a') })
    const done = await engine.waitFor(id, ['completed', 'failed'])
    expect(done).toMatchObject({
      state: 'completed',
      name: 'final-name.iso',
      finalUrl: server.url('/real/final-name.iso'),
    })
  })

  it('fails a redirect loop with a clear code', async () => {
    server.redirect('/loop1', '/loop2')
    server.redirect('/loop2', '/loop1')
    const id = await addOne(engine, { url: server.url('/loop1') })
    const done = await engine.waitFor(id, ['completed', 'failed'])
    expect(done).toMatchObject({ state: 'failed', error: { code: 'DP_ERR_REDIRECT_LOOP' } })
  })

  it('stops after 10 redirects', async () => {
    for (let i = 0; i < 12; i++) server.redirect(`/r${i}`, `/r${i + 1}`)
    const id = await addOne(engine, { url: server.url('/r0') })
    const done = await engine.waitFor(id, ['completed', 'failed'])
    expect(done).toMatchObject({ state: 'failed', error: { code: 'DP_ERR_TOO_MANY_REDIRECTS' } })
    expect(server.requests().length).toBe(11)
  })
})

describe('file names from hostile servers', () => {
  const cases: [string, string][] = [
    ['attachment; filename="../../escape.txt"', 'escape.txt'],
    ['attachment; filename="/etc/passwd"', 'passwd'],
    ['attachment; filename="C:\\\\Windows\\\\win.ini"', 'win.ini'],
    ['attachment; filename="CON"', '_CON'],
    ['attachment; filename="aux.txt"', '_aux.txt'],
    ["attachment; filename*=UTF-8''%E2%82%AC%20rates%0A.txt", '€ rates_.txt'],
    ['attachment; filename="trailing. . "', 'trailing'],
  ]
  it.each(cases)('%s → %s, inside the download folder', async (disposition, expected) => {
    server.file('/hostile', makeBody(100), { contentDisposition: disposition })
    const id = await addOne(engine, { url: server.url('/hostile') })
    const done = await engine.waitFor(id, ['completed', 'failed'])
    expect(done).toMatchObject({ state: 'completed', name: expected })
    expect(await readdir(dirs.downloads)).toEqual([expected])
    expect((await readdir(dirs.root)).sort()).toEqual(['downloads', 'state'])
  })

  it('shortens a 1000-character name to fit 255 bytes, keeping the extension', async () => {
    server.file('/long', makeBody(100), {
      contentDisposition: `attachment; filename="${'é'.repeat(1000)}.tar"`,
    })
    const id = await addOne(engine, { url: server.url('/long') })
    const done = await engine.waitFor(id, ['completed', 'failed'])
    expect(done.state).toBe('completed')
    expect(done.name.endsWith('.tar')).toBe(true)
    expect(Buffer.byteLength(done.name)).toBeLessThanOrEqual(255)
  })

  it('gives clashing names " (1)", " (2)" instead of overwriting', async () => {
    server.file('/x/same.txt', Buffer.from('first'))
    server.file('/y/same.txt', Buffer.from('second'))
    server.file('/z/same.txt', Buffer.from('third'))
    const ids = [
      await addOne(engine, { url: server.url('/x/same.txt') }),
      await addOne(engine, { url: server.url('/y/same.txt') }),
      await addOne(engine, { url: server.url('/z/same.txt') }),
    ]
    const names = await Promise.all(
      ids.map(async (id) => (await engine.waitFor(id, ['completed'])).name),
    )
    expect(names.sort()).toEqual(['same (1).txt', 'same (2).txt', 'same.txt'])
    const contents = await Promise.all(names.map((n) => readFile(join(dirs.downloads, n), 'utf8')))
    expect(contents.sort()).toEqual(['first', 'second', 'third'])
  })
})

describe('checksums', () => {
  it('completes when the sha-256 matches', async () => {
    const body = makeBody(300_000, 12)
    server.file('/sum.bin', body)
    const id = await addOne(engine, {
      url: server.url('/sum.bin'),
      checksum: { algorithm: 'sha-256', hex: sha256(body).toUpperCase() },
    })
    const done = await engine.waitFor(id, ['completed', 'failed'])
    expect(done.state).toBe('completed')
    expect(
      engine.changes.some((c) => c.download.id === id && c.download.state === 'verifying'),
    ).toBe(true)
  })

  it('fails on a mismatch with both hashes in the message, leaving no final file', async () => {
    const body = makeBody(300_000, 13)
    server.file('/bad-sum.bin', body)
    const wrong = 'a'.repeat(32)
    const id = await addOne(engine, {
      url: server.url('/bad-sum.bin'),
      checksum: { algorithm: 'md5', hex: wrong },
    })
    const done = await engine.waitFor(id, ['completed', 'failed'])
    expect(done).toMatchObject({ state: 'failed', error: { code: 'DP_ERR_CHECKSUM_MISMATCH' } })
    const { createHash } = await import('node:crypto')
    expect(done.error?.message).toContain(wrong)
    expect(done.error?.message).toContain(createHash('md5').update(body).digest('hex'))
    expect(await readdir(dirs.downloads)).not.toContain('bad-sum.bin')
  })
})
