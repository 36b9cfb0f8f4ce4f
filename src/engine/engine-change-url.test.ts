import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { makeBody, startFaultServer, strongEtag } from '../../test/fault-server.ts'
import { addOne, sha256, sha256File, useEngineHarness } from '../../test/engine-harness.ts'

const { server, dirs, engine } = useEngineHarness()

const HELD = 600_001
const body = makeBody(1_500_000, 71)

/**
 * A download whose link expires mid-way: the first try ends after HELD bytes, every later one
 * gets 403, so it fails with HELD bytes durable (its control file written as it stopped).
 */
async function expiredDownload(): Promise<{ id: string; part: Buffer; control: string }> {
  server.file('/expiring.bin', body, {
    fault: ({ attempt }) =>
      attempt === 1
        ? { kind: 'close', afterBytes: HELD }
        : { kind: 'status', status: 403, body: 'link expired' },
  })
  const id = await addOne(engine, { url: server.url('/expiring.bin') })
  const failed = await engine.waitFor(id, ['failed', 'completed'])
  expect(failed).toMatchObject({ state: 'failed', done: HELD })
  // `failed` is announced before the transfer's cleanup writes the control file.
  await until(() =>
    stat(join(dirs.downloads, 'expiring.bin.part.downpour')).then(
      () => true,
      () => false,
    ),
  )
  return {
    id,
    part: await readFile(join(dirs.downloads, 'expiring.bin.part')),
    control: await readFile(join(dirs.downloads, 'expiring.bin.part.downpour'), 'utf8'),
  }
}

async function until(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 20))
  }
}

async function expectUntouched(id: string, before: { part: Buffer; control: string }) {
  expect(await readFile(join(dirs.downloads, 'expiring.bin.part'))).toEqual(before.part)
  expect(await readFile(join(dirs.downloads, 'expiring.bin.part.downpour'), 'utf8')).toBe(
    before.control,
  )
  const snap = (await engine.snapshot()).downloads.find((d) => d.id === id)
  expect(snap).toMatchObject({ state: 'failed', url: server.url('/expiring.bin'), done: HELD })
}

describe('changeUrl', () => {
  it('continues a failed download from its durable bytes at a new URL serving the same file, no byte fetched twice', async () => {
    const { id } = await expiredDownload()
    server.file('/fresh.bin', body)
    const changed = await engine.changeUrl(id, server.url('/fresh.bin'))
    expect(changed).toMatchObject({ state: 'queued', url: server.url('/fresh.bin'), error: null })
    const done = await engine.waitFor(id, ['completed', 'failed'])
    expect(done.state).toBe('completed')
    expect(await sha256File(join(dirs.downloads, 'expiring.bin'))).toBe(sha256(body))
    // The check asked nothing of the body (HEAD); the download then asked only what it lacked.
    const asked = server.requests('/fresh.bin').map((r) => [r.method, r.range?.start ?? null])
    expect(asked).toEqual([
      ['HEAD', null],
      ['GET', HELD],
    ])
    expect(server.requests('/fresh.bin')[1]?.headers['if-range']).toBe(strongEtag(body))
    expect(server.bytesServed('/fresh.bin')).toBe(body.length - HELD)
    const details = await engine.details(id)
    expect(details.history.map((e) => e.kind)).toContain('url-changed')
    expect(details.download.finalUrl).toBe(server.url('/fresh.bin'))
  })

  it('continues a paused segmented download at a mirror, asking no range it already holds', async () => {
    // 3 connections × 512 KiB/s: 8 s for 12 MiB, so the pause comes in the middle.
    const big = makeBody(12 * 1024 * 1024, 74)
    await engine.updateSettings({ minSplitSize: '256K' })
    server.file('/paused.bin', big, { rateLimit: 512 * 1024 })
    const id = await addOne(engine, { url: server.url('/paused.bin'), maxConnections: 3 })
    await new Promise((r) => setTimeout(r, 1200))
    await engine.pause({ ids: [id] })
    expect((await engine.snapshot()).downloads[0]?.state).toBe('paused')
    const control = JSON.parse(
      await readFile(join(dirs.downloads, 'paused.bin.part.downpour'), 'utf8'),
    ) as { durable: { start: number; end: number }[] }
    const held = control.durable
    expect(held.length).toBeGreaterThan(0)
    server.file('/mirror.bin', big)
    // Paused it stays, with the new URL, until resumed: only the check asked the mirror.
    const changed = await engine.changeUrl(id, server.url('/mirror.bin'))
    expect(changed).toMatchObject({ state: 'paused', url: server.url('/mirror.bin') })
    expect((await engine.snapshot()).downloads[0]).toMatchObject({ state: 'paused' })
    expect(
      server
        .requests('/mirror.bin')
        .filter((r) => r.method === 'GET' && r.range?.end !== r.range?.start),
    ).toEqual([])
    await engine.resume({ ids: [id] })
    expect((await engine.waitFor(id, ['completed', 'failed'])).state).toBe('completed')
    expect(await sha256File(join(dirs.downloads, 'paused.bin'))).toBe(sha256(big))
    const gets = server.requests('/mirror.bin').filter((r) => r.method === 'GET')
    expect(gets.length).toBeGreaterThan(0)
    for (const { range } of gets) {
      expect(range).toBeDefined()
      const start = range!.start
      const end = range!.end === undefined ? start : range!.end
      for (const h of held) expect(end < h.start || start >= h.end).toBe(true)
    }
  })

  it('a mirror on another origin gets the download headers but not its Cookie or Authorization', async () => {
    server.file('/expiring.bin', body, {
      fault: ({ attempt }) =>
        attempt === 1 ? { kind: 'close', afterBytes: HELD } : { kind: 'status', status: 403 },
    })
    const id = await addOne(engine, {
      url: server.url('/expiring.bin'),
      headers: { Cookie: 'session=abc', Authorization: 'Bearer t', Referer: 'https://r.example/' },
    })
    await engine.waitFor(id, ['failed'])
    const mirror = await startFaultServer()
    try {
      mirror.file('/copy.bin', body)
      await engine.changeUrl(id, mirror.url('/copy.bin'))
      expect((await engine.waitFor(id, ['completed', 'failed'])).state).toBe('completed')
      const sent = mirror.requests('/copy.bin')
      expect(sent.length).toBeGreaterThan(0)
      for (const r of sent) {
        expect(r.headers.cookie).toBeUndefined()
        expect(r.headers.authorization).toBeUndefined()
        expect(r.headers.referer).toBe('https://r.example/')
      }
      const note = (await engine.details(id)).history.find((e) => e.kind === 'url-changed')
      expect(note?.message).toMatch(/not sent there: Cookie, Authorization/)
    } finally {
      await mirror.close()
    }
  })

  it('refuses a URL serving a different size, leaving the part and control file untouched', async () => {
    const before = await expiredDownload()
    server.file('/other.bin', makeBody(body.length + 1, 71))
    await expect(engine.changeUrl(before.id, server.url('/other.bin'))).rejects.toMatchObject({
      code: 'DP_ERR_DIFFERENT_FILE',
      message:
        'the new URL serves 1.4 MiB (1,500,001 bytes), but this download is 1.4 MiB (1,500,000 bytes): not the same file',
    })
    await expectUntouched(before.id, before)
    expect(server.requests('/other.bin').map((r) => r.method)).toEqual(['HEAD'])
  })

  it('refuses the same size with another strong ETag, and changes nothing', async () => {
    const before = await expiredDownload()
    server.file('/changed.bin', makeBody(body.length, 72))
    await expect(engine.changeUrl(before.id, server.url('/changed.bin'))).rejects.toMatchObject({
      code: 'DP_ERR_DIFFERENT_FILE',
      message: expect.stringMatching(/ETag/),
    })
    await expectUntouched(before.id, before)
  })

  it('refuses a server that cannot send the missing part (the held bytes would be lost)', async () => {
    const before = await expiredDownload()
    server.file('/noranges.bin', body, { acceptRanges: false })
    await expect(engine.changeUrl(before.id, server.url('/noranges.bin'))).rejects.toMatchObject({
      code: 'DP_ERR_NOT_RESUMABLE',
      message: expect.stringMatching(/so the 586 KiB already downloaded would be lost$/),
    })
    await expectUntouched(before.id, before)
    // HEAD without Accept-Ranges leaves it open; one byte it lacks settles it (answered: 200).
    const asked = server.requests('/noranges.bin').map((r) => [r.method, r.range ?? null])
    expect(asked).toEqual([
      ['HEAD', null],
      ['GET', { start: HELD, end: HELD }],
    ])
  })

  it('refuses a running download without asking the new URL', async () => {
    server.file('/slow.bin', makeBody(3_000_000, 73), { rateLimit: 500_000 })
    server.file('/new.bin', makeBody(3_000_000, 73))
    const id = await addOne(engine, { url: server.url('/slow.bin') })
    await engine.waitFor(id, ['probing', 'downloading'])
    await expect(engine.changeUrl(id, server.url('/new.bin'))).rejects.toMatchObject({
      code: 'DP_ERR_INVALID_STATE',
      message: expect.stringMatching(/only a paused or failed download .* (probing|downloading)/),
    })
    expect(server.requests('/new.bin')).toEqual([])
    expect((await engine.snapshot()).downloads[0]?.url).toBe(server.url('/slow.bin'))
  })

  it('refuses a bad URL, an unsupported scheme and an unknown id, changing nothing', async () => {
    const before = await expiredDownload()
    await expect(engine.changeUrl(before.id, 'not a url')).rejects.toMatchObject({
      code: 'DP_ERR_BAD_URL',
    })
    await expect(engine.changeUrl(before.id, 'ftp://127.0.0.1/x')).rejects.toMatchObject({
      code: 'DP_ERR_UNSUPPORTED_SCHEME',
    })
    await expect(engine.changeUrl('nope', server.url('/x'))).rejects.toMatchObject({
      code: 'DP_ERR_NOT_FOUND',
    })
    await expect(engine.changeUrl(before.id, server.url('/gone.bin'))).rejects.toMatchObject({
      code: 'DP_ERR_HTTP_STATUS',
      message: expect.stringMatching(/404/),
    })
    await expectUntouched(before.id, before)
  })

  it('where HEAD is refused (a link signed for GET), checks with a GET of the first missing byte', async () => {
    const { id } = await expiredDownload()
    const etag = strongEtag(body)
    server.handle('/signed.bin', (req, res) => {
      if (req.method === 'HEAD') {
        res.writeHead(403, { 'content-length': '0' }).end()
        return
      }
      const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '')
      const start = m ? Number(m[1]) : 0
      const end = m?.[2] ? Number(m[2]) + 1 : body.length
      res.writeHead(m ? 206 : 200, {
        etag,
        'accept-ranges': 'bytes',
        'content-length': String(end - start),
        ...(m ? { 'content-range': `bytes ${start}-${end - 1}/${body.length}` } : {}),
      })
      res.end(body.subarray(start, end))
    })
    await engine.changeUrl(id, server.url('/signed.bin'))
    expect((await engine.waitFor(id, ['completed', 'failed'])).state).toBe('completed')
    expect(await sha256File(join(dirs.downloads, 'expiring.bin'))).toBe(sha256(body))
    const asked = server.requests('/signed.bin').map((r) => [r.method, r.range ?? null])
    // Never a byte it already had: the probe's one byte is the first one it lacked.
    expect(asked).toEqual([
      ['HEAD', null],
      ['GET', { start: HELD, end: HELD }],
      ['GET', { start: HELD }],
    ])
  })
})
