import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { makeBody } from '../../test/fault-server.ts'
import { addOne, sha256, useEngineHarness } from '../../test/engine-harness.ts'

const { server, dirs, engine } = useEngineHarness()

describe('details(id)', () => {
  it('tells the story: tries, retries with status and reason, a restart from zero and why, the checksum, URLs and paths', async () => {
    const body = makeBody(600_000, 81)
    server.redirect('/start', '/data.bin')
    server.file('/data.bin', body, {
      fault: ({ attempt }) => {
        if (attempt === 1) return { kind: 'status', status: 503, headers: { 'retry-after': '0' } }
        if (attempt === 2) return { kind: 'close', afterBytes: 300_000 }
        return undefined
      },
      // Try 3 asks from byte 300000 and gets the whole file: the server ignores ranges, so the
      // download starts over from zero (with the reason in the timeline).
      ignoreRange: true,
    })
    const id = await addOne(engine, {
      url: server.url('/start'),
      checksum: { algorithm: 'sha-256', hex: sha256(body) },
    })
    expect((await engine.waitFor(id, ['completed', 'failed'])).state).toBe('completed')
    const details = await engine.details(id)
    expect(details.download).toMatchObject({
      url: server.url('/start'),
      finalUrl: server.url('/data.bin'),
      // It answered a range with the whole file: proven not to do ranges.
      resumable: false,
      state: 'completed',
    })
    expect(details.path).toBe(join(dirs.downloads, 'data.bin'))
    expect(details.partPath).toBeNull()
    const kinds = details.history.map((e) => e.kind)
    expect(kinds[0]).toBe('added')
    expect(kinds.filter((k) => k === 'attempt')).toHaveLength(3)
    expect(kinds.slice(-2)).toEqual(['checksum', 'completed'])
    const retries = details.history.filter((e) => e.kind === 'retry')
    expect(retries[0]).toMatchObject({
      status: 503,
      error: { code: 'DP_ERR_HTTP_RETRYABLE', message: expect.stringMatching(/503/) },
    })
    expect(retries[1]?.error?.message).toMatch(/missing|closed|ended/)
    const restart = details.history.find((e) => e.kind === 'restart')
    expect(restart?.message).toMatch(/ignored the Range request.*from the start/)
    expect(
      details.history.find((e) => e.kind === 'attempt' && /from byte 300000/.test(e.message)),
    ).toBeTruthy()
    expect(details.history.find((e) => e.kind === 'checksum')?.message).toBe('sha-256 matches')
    // Order: each retry and the restart come after the attempt they belong to.
    expect(kinds).toEqual([
      'added',
      'attempt',
      'retry',
      'attempt',
      'retry',
      'attempt',
      'restart',
      'checksum',
      'completed',
    ])
  })

  it('records a failure with its status code, and a checksum mismatch as a checksum entry', async () => {
    server.file('/gone.bin', makeBody(10), { fault: () => ({ kind: 'status', status: 404 }) })
    const gone = await addOne(engine, { url: server.url('/gone.bin') })
    await engine.waitFor(gone, ['failed'])
    const failed = (await engine.details(gone)).history.find((e) => e.kind === 'failed')
    expect(failed).toMatchObject({ level: 'error', status: 404 })

    server.file('/bad.bin', makeBody(1000, 82))
    const bad = await addOne(engine, {
      url: server.url('/bad.bin'),
      checksum: { algorithm: 'sha-256', hex: '0'.repeat(64) },
    })
    await engine.waitFor(bad, ['failed'])
    const check = (await engine.details(bad)).history.find((e) => e.kind === 'checksum')
    expect(check).toMatchObject({ level: 'error', error: { code: 'DP_ERR_CHECKSUM_MISMATCH' } })
  })

  it('shows the headers sent with every secret redacted (Authorization, Cookie, URL user info, API keys)', async () => {
    await engine.updateSettings({ headers: { 'X-Engine': 'all', 'Proxy-Authorization': 'p' } })
    server.file('/private.bin', makeBody(1000, 83))
    const url = server.url('/private.bin').replace('http://', 'http://alice:s3cret@')
    const id = await addOne(engine, {
      url,
      headers: {
        Cookie: 'session=abc123',
        Authorization: 'Bearer tok-xyz',
        'X-Api-Key': 'key-789',
        Referer: 'https://example.org/',
      },
      paused: true,
    })
    const details = await engine.details(id)
    expect(details.requestHeaders).toEqual({
      'x-engine': 'all',
      'proxy-authorization': '[redacted]',
      cookie: '[redacted]',
      authorization: '[redacted]',
      'x-api-key': '[redacted]',
      referer: 'https://example.org/',
      'user-agent': 'Downpour/0.1',
      'accept-encoding': 'identity',
      accept: '*/*',
    })
    expect(details.download.url).toBe(
      server.url('/private.bin').replace('http://', 'http://alice:***@'),
    )
    expect(details.partPath).toBeNull()
    const wire = JSON.stringify(details)
    for (const secret of ['s3cret', 'abc123', 'tok-xyz', 'key-789'])
      expect(wire).not.toContain(secret)
  })

  it('a URL with user info alone still shows that an Authorization header is sent', async () => {
    const id = await addOne(engine, { url: 'http://bob:pw@127.0.0.1:9/x.bin', paused: true })
    expect((await engine.details(id)).requestHeaders.authorization).toBe('[redacted]')
  })

  it('refuses an unknown id', async () => {
    await expect(engine.details('nope')).rejects.toMatchObject({ code: 'DP_ERR_NOT_FOUND' })
  })
})
