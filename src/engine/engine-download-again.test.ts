import { readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { makeBody } from '../../test/fault-server.ts'
import { addOne, listDir, sha256, sha256File, useEngineHarness } from '../../test/engine-harness.ts'

const { server, dirs, engine } = useEngineHarness()

describe('adding a URL the queue already holds (onDuplicate)', () => {
  it('`again` after a completed download is a new download under a new name, the old file untouched', async () => {
    const body = makeBody(50_000, 7)
    server.file('/d/same.bin', body)
    const first = await addOne(engine, { url: server.url('/d/same.bin') })
    await engine.waitFor(first, ['completed'])
    // Changed since (same size): it must still be these bytes afterwards, not the server's.
    const edited = Buffer.alloc(body.length, 0x61)
    await writeFile(join(dirs.downloads, 'same.bin'), edited)

    const skipped = await engine.add([{ url: server.url('/d/same.bin') }])
    expect(skipped.added).toEqual([])
    expect(skipped.rejected[0]).toMatchObject({
      existingId: first,
      error: { code: 'DP_ERR_DUPLICATE' },
    })

    const again = await engine.add([{ url: server.url('/d/same.bin'), onDuplicate: 'again' }])
    expect(again.rejected).toEqual([])
    const second = again.added[0]!.id
    expect(second).not.toBe(first)
    const done = await engine.waitFor(second, ['completed'])
    expect(done.name).toBe('same (1).bin')
    expect(await sha256File(join(dirs.downloads, 'same (1).bin'))).toBe(sha256(body))
    expect(await readFile(join(dirs.downloads, 'same.bin'))).toEqual(edited)
    expect(await listDir(dirs.downloads)).toEqual(['same (1).bin', 'same.bin'])
    // Both rows stay: the list is the history aria2's tellStopped shows too.
    const ids = (await engine.snapshot()).downloads.map((d) => d.id)
    expect(ids).toEqual([first, second])
  })

  it('a later `skip` names the newest download of the URL, so a rerun continues that one', async () => {
    server.file('/d/twice.bin', makeBody(10_000, 3))
    const first = await addOne(engine, { url: server.url('/d/twice.bin') })
    await engine.waitFor(first, ['completed'])
    const second = await addOne(engine, { url: server.url('/d/twice.bin'), onDuplicate: 'again' })
    await engine.waitFor(second, ['completed'])
    const skipped = await engine.add([{ url: server.url('/d/twice.bin') }])
    expect(skipped.rejected[0]?.existingId).toBe(second)
  })

  it('`again` after a failed download adds it again; it completes once the server has the file', async () => {
    let missing = true
    const body = makeBody(20_000, 9)
    server.file('/d/late.bin', body, {
      fault: () => (missing ? { kind: 'status', status: 404 } : undefined),
    })
    const first = await addOne(engine, { url: server.url('/d/late.bin'), maxTries: 1 })
    const failed = await engine.waitFor(first, ['failed'])
    expect(failed.error?.message).toMatch(/404/)
    missing = false
    const second = await addOne(engine, { url: server.url('/d/late.bin'), onDuplicate: 'again' })
    const done = await engine.waitFor(second, ['completed'])
    expect(await sha256File(join(dirs.downloads, done.name))).toBe(sha256(body))
  })

  it('`again` is refused while the URL is still being downloaded into that file (paused or running)', async () => {
    server.file('/d/slow.bin', makeBody(2_000_000, 4), { rateLimit: 200_000 })
    const running = await addOne(engine, { url: server.url('/d/slow.bin') })
    await engine.waitFor(running, ['downloading'])
    const whileRunning = await engine.add([
      { url: server.url('/d/slow.bin'), onDuplicate: 'again' },
    ])
    expect(whileRunning.added).toEqual([])
    expect(whileRunning.rejected[0]).toMatchObject({
      existingId: running,
      error: { code: 'DP_ERR_DUPLICATE' },
    })
    expect(whileRunning.rejected[0]?.error.message).toMatch(
      /already being downloaded as "slow.bin" \(downloading\)/,
    )
    await engine.pause({ ids: [running] })
    await engine.waitFor(running, ['paused'])
    const whilePaused = await engine.add([{ url: server.url('/d/slow.bin'), onDuplicate: 'again' }])
    expect(whilePaused.rejected[0]?.error.message).toMatch(/\(paused\)/)
    // Elsewhere it is another file: added.
    const elsewhere = await engine.add([
      {
        url: server.url('/d/slow.bin'),
        dir: join(dirs.root, 'other'),
        onDuplicate: 'again',
        paused: true,
      },
    ])
    expect(elsewhere.added).toHaveLength(1)
  })

  it('removing the old row then adding `again` takes the freed name when its file is gone', async () => {
    const body = makeBody(30_000, 5)
    server.file('/d/gone.bin', body)
    const first = await addOne(engine, { url: server.url('/d/gone.bin') })
    await engine.waitFor(first, ['completed'])
    await rm(join(dirs.downloads, 'gone.bin'))
    await engine.remove({ ids: [first] })
    const second = await addOne(engine, { url: server.url('/d/gone.bin'), onDuplicate: 'again' })
    const done = await engine.waitFor(second, ['completed'])
    expect(done.name).toBe('gone.bin')
    expect(await sha256File(join(dirs.downloads, 'gone.bin'))).toBe(sha256(body))
  })

  it('refuses an unknown onDuplicate with a reason naming the field', async () => {
    const result = await engine.add([
      { url: server.url('/d/x.bin'), onDuplicate: 'twice' as 'again' },
    ])
    expect(result.rejected[0]?.error.code).toBe('DP_ERR_INVALID_ARGUMENT')
    expect(result.rejected[0]?.error.message).toMatch(/onDuplicate/)
  })

  it('`againOf` a row: the server is sent the headers and URL password the first download had', async () => {
    const body = makeBody(40_000, 8)
    server.file('/d/secret.bin', body)
    const url = new URL(server.url('/d/secret.bin'))
    url.username = 'alice'
    url.password = 's3cret'
    const headers = {
      Cookie: 'session=abc123',
      Referer: 'http://pages.example/list',
      'User-Agent': 'MyBrowser/9',
    }
    const first = await addOne(engine, { url: url.href, headers })
    const row = await engine.waitFor(first, ['completed'])
    // What the window has: the snapshot, which carries neither the headers nor the password.
    expect(row.url).toContain('alice:***@')
    await rm(join(dirs.downloads, 'secret.bin'))
    const sentBefore = server.requests('/d/secret.bin').length
    // The row's "Download again" with its old file gone: added paused, the old row removed (its
    // name freed), then resumed (download-again-row.ts).
    const again = await engine.add([
      { url: row.url, dir: row.dir, onDuplicate: 'again', againOf: first, paused: true },
    ])
    expect(again.rejected).toEqual([])
    const second = again.added[0]!.id
    await engine.remove({ ids: [first] })
    await engine.resume({ ids: [second] })
    const done = await engine.waitFor(second, ['completed'])
    expect(done.name).toBe('secret.bin')
    expect(await sha256File(join(dirs.downloads, 'secret.bin'))).toBe(sha256(body))
    const sent = server.requests('/d/secret.bin').slice(sentBefore)
    expect(sent.length).toBeGreaterThan(0)
    for (const request of sent) {
      expect(request.headers.cookie).toBe('session=abc123')
      expect(request.headers.referer).toBe('http://pages.example/list')
      expect(request.headers['user-agent']).toBe('MyBrowser/9')
      expect(request.headers.authorization).toBe(
        `Basic ${Buffer.from('alice:s3cret').toString('base64')}`,
      )
    }
    // A header the request names itself wins over the carried one.
    await rm(join(dirs.downloads, 'secret.bin'))
    const third = await engine.add([
      { url: row.url, onDuplicate: 'again', againOf: second, headers: { Cookie: 'session=new' } },
    ])
    await engine.waitFor(third.added[0]!.id, ['completed'])
    const last = server.requests('/d/secret.bin').at(-1)!
    expect(last.headers.cookie).toBe('session=new')
    expect(last.headers.referer).toBe('http://pages.example/list')
  })

  it('`againOf` a row carries its mirrors, unless the request names its own', async () => {
    server.file('/d/m.bin', makeBody(30_000, 9))
    const mirrors = [server.url('/mirror-a/m.bin'), server.url('/mirror-b/m.bin')]
    const first = await addOne(engine, { url: server.url('/d/m.bin'), mirrors })
    const row = await engine.waitFor(first, ['completed'])
    expect(row.mirrors).toEqual(mirrors)
    const again = await engine.add([
      { url: row.url, onDuplicate: 'again', againOf: first, paused: true },
    ])
    expect(again.rejected).toEqual([])
    const carried = await engine.waitFor(again.added[0]!.id, ['paused'])
    expect(carried.mirrors).toEqual(mirrors)
    await engine.remove({ ids: [carried.id] })
    const own = await engine.add([
      {
        url: row.url,
        onDuplicate: 'again',
        againOf: first,
        paused: true,
        mirrors: [server.url('/own/m.bin')],
      },
    ])
    expect(own.rejected).toEqual([])
    const ownRow = await engine.waitFor(own.added[0]!.id, ['paused'])
    expect(ownRow.mirrors).toEqual([server.url('/own/m.bin')])
  })

  it('`againOf` is refused, naming why, for no such download, another URL, an unfinished one, or without `again`', async () => {
    server.file('/d/a.bin', makeBody(5_000, 1))
    server.file('/d/b.bin', makeBody(2_000_000, 2), { rateLimit: 200_000 })
    const done = await addOne(engine, { url: server.url('/d/a.bin') })
    await engine.waitFor(done, ['completed'])
    const running = await addOne(engine, { url: server.url('/d/b.bin'), paused: true })
    const result = await engine.add([
      { url: server.url('/d/a.bin'), onDuplicate: 'again', againOf: 'nope' },
      { url: server.url('/d/b.bin'), onDuplicate: 'again', againOf: done },
      { url: server.url('/d/a.bin'), againOf: done },
      {
        url: server.url('/d/b.bin'),
        dir: join(dirs.root, 'x'),
        onDuplicate: 'again',
        againOf: running,
      },
    ])
    expect(result.added).toEqual([])
    expect(result.rejected.map((r) => r.error.message)).toEqual([
      'againOf nope: no such download in the queue (removed?)',
      `againOf ${done}: that download has another URL`,
      `againOf ${done}: it needs onDuplicate: 'again'`,
      `againOf ${running}: that download is paused, not finished: resume it instead`,
    ])
  })
})
