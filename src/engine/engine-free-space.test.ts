import { existsSync } from 'node:fs'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { makeBody } from '../../test/fault-server.ts'
import { addOne, sha256, sha256File, useEngineHarness } from '../../test/engine-harness.ts'
import { smallDiskFor } from '../../test/small-disk.ts'
import { formatBytes } from '../shared/format.ts'

const MiB = 1024 * 1024
const GiB = 1024 ** 3
const TiB = 1024 ** 4
const { server, dirs, engine, open, onTeardown } = useEngineHarness({ engine: false })

/** A small tmpfs for the test, or null after printing why the test is skipped. */
const smallDisk = (options: string) => smallDiskFor({ dirs, onTeardown }, options)

describe('the free-space check', () => {
  it('on a real 2 MiB disk: a 4 MiB file pauses before its .part exists, saying what it needs; it completes once there is room', async () => {
    const small = await smallDisk('size=2m')
    if (!small) return
    await open()
    const body = makeBody(4 * MiB, 61)
    server.file('/big.iso', body)
    const id = await addOne(engine, { url: server.url('/big.iso'), dir: small.dir })
    const paused = await engine.waitFor(id, ['paused', 'failed', 'completed'])
    expect(paused.state).toBe('paused')
    expect(paused.error?.code).toBe('DP_ERR_DISK_FULL')
    expect(paused.error?.message).toMatch(
      new RegExp(
        `^Not enough space: needs 4\\.0 MiB, [\\d.]+ (KiB|MiB) free on ${small.dir} — free some space and resume$`,
      ),
    )
    // Nothing written: no name taken, no .part (the old engine wrote until ENOSPC).
    expect(await readdir(small.dir)).toEqual([])
    expect(engine.logs.some((l) => l.id === id && /retrying/.test(l.message))).toBe(false)

    small.remount('size=16m')
    await engine.resume({ ids: [id] })
    // The reason went with the resume (a row would say "Paused — Not enough space" forever).
    expect(engine.changes.at(-1)?.download).toMatchObject({ id, error: null })
    expect((await engine.waitFor(id, ['completed', 'paused', 'failed'])).state).toBe('completed')
    expect(await sha256File(join(small.dir, 'big.iso'))).toBe(sha256(body))
  })

  it('a 5 TiB answer with 72 GiB free: says so in the app’s sizes (statfs answer stood in for, HTTP real)', async () => {
    await open({ freeSpace: async () => 72 * GiB })
    server.handle('/huge.img', (req, res) => {
      res.writeHead(200, { 'content-length': String(5 * TiB), 'accept-ranges': 'bytes' })
      if (req.method === 'HEAD') res.end()
      else res.write(Buffer.alloc(16 * 1024))
    })
    const id = await addOne(engine, { url: server.url('/huge.img') })
    const paused = await engine.waitFor(id, ['paused', 'failed'])
    expect(paused).toMatchObject({
      state: 'paused',
      size: 5 * TiB,
      error: {
        code: 'DP_ERR_DISK_FULL',
        message: `Not enough space: needs 5.0 TiB, 72 GiB free on ${dirs.downloads} — free some space and resume`,
      },
    })
    expect(existsSync(join(dirs.downloads, 'huge.img.part'))).toBe(false)
  })

  it('a resumed download needs room only for what its .part lacks, checked before it asks the server again', async () => {
    let free: number | null = null
    await open({ freeSpace: async () => free })
    const body = makeBody(4 * MiB, 62)
    server.file('/part.bin', body, { rateLimit: 512 * 1024 })
    const id = await addOne(engine, { url: server.url('/part.bin'), maxConnections: 1 })
    for (;;) {
      const now = (await engine.snapshot()).downloads[0]!
      if (now.done >= MiB) break
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    await engine.pause({ ids: [id] })
    const { done } = (await engine.snapshot()).downloads[0]!
    const asked = server.requests('/part.bin').length

    // One byte short of the rest: refused, and the server is not asked.
    free = 4 * MiB - done - 1
    await engine.resume({ ids: [id] })
    const refused = await engine.waitFor(id, ['paused', 'failed', 'completed'])
    expect(refused.error?.message).toBe(
      `Not enough space: needs ${formatBytes(4 * MiB - done)}, ${formatBytes(free)} free on ${dirs.downloads} — free some space and resume`,
    )
    expect(server.requests('/part.bin')).toHaveLength(asked)

    // Exactly the rest: it fits (the bytes already in the .part need no new room).
    free = 4 * MiB - done
    await engine.resume({ ids: [id] })
    expect((await engine.waitFor(id, ['completed', 'paused', 'failed'])).state).toBe('completed')
    expect(await sha256File(join(dirs.downloads, 'part.bin'))).toBe(sha256(body))
    expect(server.requests('/part.bin')[asked]?.range?.start).toBe(done)
  })
})
