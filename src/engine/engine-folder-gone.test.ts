import { mkdir, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { makeBody } from '../../test/fault-server.ts'
import { addOne, sha256, sha256File, useEngineHarness } from '../../test/engine-harness.ts'

// A download folder that went away (deleted, renamed, a drive unmounted) is not made again
// behind the person's back (issue 25): the download fails naming the folder, and retries once
// it is back. A folder named for the first time is made, as before.
const { server, dirs, engine, open } = useEngineHarness()

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  )

describe('a download folder that disappeared', () => {
  it('one this engine used: the next download into it fails "folder … is gone" and it stays gone; retry after it is back', async () => {
    const folder = join(dirs.root, 'isos')
    server.file('/a.bin', makeBody(10_000, 1))
    server.file('/b.bin', makeBody(20_000, 2))
    const first = await addOne(engine, { url: server.url('/a.bin'), dir: folder })
    await engine.waitFor(first, ['completed'])
    await rm(folder, { recursive: true })

    const second = await addOne(engine, { url: server.url('/b.bin'), dir: folder })
    const failed = await engine.waitFor(second, ['failed'])
    expect(failed.error).toEqual({
      code: 'DP_ERR_FOLDER_GONE',
      message: `the folder ${folder} is gone (deleted, renamed, or its drive unmounted); it is not made again: restore it and retry, or download into another folder`,
    })
    expect(failed.tries).toBe(1)
    expect(await exists(folder)).toBe(false)

    await mkdir(folder)
    await engine.retry({ ids: [second] })
    await engine.waitFor(second, ['completed'])
    expect(await sha256File(join(folder, 'b.bin'))).toBe(sha256(makeBody(20_000, 2)))
  })

  it('one holding a paused download when the queue is opened again: fails the same way, not made again', async () => {
    const folder = join(dirs.root, 'usb', 'Downloads')
    server.file('/big.bin', makeBody(3_000_000, 3), { rateLimit: 300_000 })
    const id = await addOne(engine, { url: server.url('/big.bin'), dir: folder })
    await engine.waitFor(id, ['downloading'])
    await new Promise<void>((resolve) => {
      const off = engine.on('progress/beat', (beat) => {
        if (beat.items.some((item) => item.id === id && item.done > 0)) {
          off()
          resolve()
        }
      })
    })
    await engine.pause({ ids: [id] })
    await engine.close()
    // The drive is unmounted: its folder and the mount point's contents are gone.
    await rm(join(dirs.root, 'usb'), { recursive: true })

    const reopened = await open()
    const paused = (await reopened.snapshot()).downloads.find((d) => d.id === id)!
    expect(paused.done).toBeGreaterThan(0)
    await reopened.resume({ ids: [id] })
    const failed = await reopened.waitFor(id, ['failed'])
    expect(failed.error?.code).toBe('DP_ERR_FOLDER_GONE')
    expect(failed.error?.message).toContain(`the folder ${folder} is gone`)
    expect(await exists(join(dirs.root, 'usb'))).toBe(false)
  })

  it('one named for the first time is made, parents too', async () => {
    const folder = join(dirs.root, 'new', 'deeper')
    server.file('/c.bin', makeBody(5_000, 4))
    const id = await addOne(engine, { url: server.url('/c.bin'), dir: folder })
    await engine.waitFor(id, ['completed'])
    expect(await sha256File(join(folder, 'c.bin'))).toBe(sha256(makeBody(5_000, 4)))
  })
})
