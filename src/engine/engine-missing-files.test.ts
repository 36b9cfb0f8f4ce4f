import { rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { DownloadSnapshot } from '../shared/protocol/model.ts'
import { isWhole } from '../shared/protocol/download-patch.ts'
import { makeBody } from '../../test/fault-server.ts'
import { addOne, useEngineHarness, type TestEngine } from '../../test/engine-harness.ts'

const { server, dirs, open } = useEngineHarness({ engine: false })

/**
 * Resolves once `id` is announced (or, having been announced before this was called, shown by
 * the snapshot) with `fileMissing` as `missing`.
 */
function announced(engine: TestEngine, id: string, missing: boolean): Promise<DownloadSnapshot> {
  return new Promise((resolve) => {
    const off = engine.on('download/changed', (e) => {
      // `fileMissing` comes and goes only with the download whole (download-patch.ts).
      const change = e.changes.find(
        (c) =>
          c.download.id === id &&
          isWhole(c.download) &&
          (c.download.fileMissing === true) === missing,
      )
      if (change) {
        off()
        resolve(change.download as DownloadSnapshot)
      }
    })
    if (!missing) return
    void engine.snapshot().then(({ downloads }) => {
      const d = downloads.find((x) => x.id === id)
      if (d?.fileMissing) {
        off()
        resolve(d)
      }
    })
  })
}

describe('a completed download whose file is gone', () => {
  it('is found missing by checkFiles, announced, and found again once the file is back', async () => {
    const engine = await open()
    server.file('/f/kept.bin', makeBody(5000, 1))
    server.file('/f/gone.bin', makeBody(6000, 2))
    const kept = await addOne(engine, { url: server.url('/f/kept.bin') })
    const gone = await addOne(engine, { url: server.url('/f/gone.bin') })
    await engine.waitFor(kept, ['completed'])
    await engine.waitFor(gone, ['completed'])
    expect(await engine.checkFiles({ all: true })).toEqual({ missing: [] })

    await rm(join(dirs.downloads, 'gone.bin'))
    const change = announced(engine, gone, true)
    expect(await engine.checkFiles({ all: true })).toEqual({ missing: [gone] })
    expect((await change).fileMissing).toBe(true)
    const byId = new Map((await engine.snapshot()).downloads.map((d) => [d.id, d]))
    expect(byId.get(gone)).toMatchObject({ state: 'completed', fileMissing: true })
    expect(byId.get(kept)?.fileMissing).toBeUndefined()

    await writeFile(join(dirs.downloads, 'gone.bin'), makeBody(6000, 2))
    const back = announced(engine, gone, false)
    expect(await engine.checkFiles({ ids: [gone] })).toEqual({ missing: [] })
    expect((await back).fileMissing).toBeUndefined()
    expect((await engine.snapshot()).downloads.every((d) => d.fileMissing === undefined)).toBe(true)
  })

  it('is found at start-up, in the background, without being asked', async () => {
    const first = await open()
    server.file('/f/a.bin', makeBody(3000, 3))
    server.file('/f/b.bin', makeBody(3000, 4))
    const a = await addOne(first, { url: server.url('/f/a.bin') })
    const b = await addOne(first, { url: server.url('/f/b.bin') })
    await first.waitFor(a, ['completed'])
    await first.waitFor(b, ['completed'])
    await first.close()
    await rm(join(dirs.downloads, 'b.bin'))

    const second = await open()
    // The first snapshot may come before the look (it never waits for it); the change follows.
    const found = await announced(second, b, true)
    expect(found).toMatchObject({ id: b, state: 'completed', fileMissing: true })
    const byId = new Map((await second.snapshot()).downloads.map((d) => [d.id, d]))
    expect(byId.get(b)?.fileMissing).toBe(true)
    expect(byId.get(a)?.fileMissing).toBeUndefined()
  })

  it('passes over an id no longer in the queue (a row removed while the window asked)', async () => {
    const engine = await open()
    server.file('/f/c.bin', makeBody(1000, 5))
    const c = await addOne(engine, { url: server.url('/f/c.bin') })
    await engine.waitFor(c, ['completed'])
    await rm(join(dirs.downloads, 'c.bin'))
    expect(await engine.checkFiles({ ids: ['removed-meanwhile', c] })).toEqual({ missing: [c] })
  })
})
