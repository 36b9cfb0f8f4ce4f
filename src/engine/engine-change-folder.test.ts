import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { makeBody } from '../../test/fault-server.ts'
import {
  addOne,
  sha256,
  sha256File,
  useEngineHarness,
  type TestEngine,
} from '../../test/engine-harness.ts'
import type { EngineEvents } from '../shared/protocol/events.ts'

// "Choose another folder…" (issue 25): downloads whose folder went away (DP_ERR_FOLDER_GONE)
// get another one and finish there; a folder that is not there, a file, a relative path, a
// running download, and partial data still in a folder that is there are refused by name.
const { server, dirs, engine, open } = useEngineHarness()

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  )

/** Resolves once download `id` has bytes on disk (a beat says so). */
function firstBytes(on: TestEngine, id: string): Promise<void> {
  return new Promise<void>((resolve) => {
    const off = on.on('progress/beat', (beat) => {
      if (beat.items.some((item) => item.id === id && item.done > 0)) {
        off()
        resolve()
      }
    })
  })
}

/** A folder this engine used, then deleted: the downloads added into it fail FOLDER_GONE. */
async function goneFolder(names: string[]): Promise<{ folder: string; ids: string[] }> {
  const folder = join(dirs.root, 'usb')
  server.file('/first.bin', makeBody(1_000, 9))
  const first = await addOne(engine, { url: server.url('/first.bin'), dir: folder })
  await engine.waitFor(first, ['completed'])
  await rm(folder, { recursive: true })
  const ids: string[] = []
  for (const [i, name] of names.entries()) {
    server.file(`/${name}`, makeBody(20_000 + i, i + 1))
    ids.push(await addOne(engine, { url: server.url(`/${name}`), dir: folder }))
  }
  for (const id of ids) {
    const failed = await engine.waitFor(id, ['failed'])
    expect(failed.error?.code).toBe('DP_ERR_FOLDER_GONE')
  }
  return { folder, ids }
}

describe('changeFolder', () => {
  it('downloads whose folder is gone: one call, one event; they complete in the new folder and nothing is written at the old path', async () => {
    const { folder, ids } = await goneFolder(['a.bin', 'b.bin'])
    const chosen = join(dirs.root, 'elsewhere')
    await mkdir(chosen)
    const events: EngineEvents['download/changed'][] = []
    const off = engine.on('download/changed', (e) => {
      if (e.changes.some((c) => c.download.dir === chosen)) events.push(e)
    })
    const result = await engine.changeFolder(ids, chosen + '/')
    off()
    expect(result.rejected).toEqual([])
    expect(result.updated.map((d) => [d.id, d.dir, d.state])).toEqual([
      [ids[0], chosen, 'queued'],
      [ids[1], chosen, 'queued'],
    ])
    expect(result.updated.every((d) => d.error === null)).toBe(true)
    // Both in the first event that names the new folder.
    expect(events[0]!.changes.map((c) => c.download.id).sort()).toEqual([...ids].sort())

    for (const id of ids) await engine.waitFor(id, ['completed'])
    expect(await sha256File(join(chosen, 'a.bin'))).toBe(sha256(makeBody(20_000, 1)))
    expect(await sha256File(join(chosen, 'b.bin'))).toBe(sha256(makeBody(20_001, 2)))
    expect((await readdir(chosen)).sort()).toEqual(['a.bin', 'b.bin'])
    expect(await exists(folder)).toBe(false)
    const history = await engine.details(ids[0]!)
    expect(history.history.map((h) => h.message)).toContain(
      `folder changed from ${folder} to ${chosen}`,
    )
  })

  it('the same folder, made again by the person: choosing it queues the download again', async () => {
    const { folder, ids } = await goneFolder(['s.bin'])
    await mkdir(folder)
    const result = await engine.changeFolder(ids, folder)
    expect(result.updated.map((d) => [d.dir, d.error])).toEqual([[folder, null]])
    await engine.waitFor(ids[0]!, ['completed'])
    expect(await sha256File(join(folder, 's.bin'))).toBe(sha256(makeBody(20_000, 1)))
  })

  it('is journaled before it answers: a reopened queue has the new folder', async () => {
    const { ids } = await goneFolder(['c.bin'])
    const chosen = join(dirs.root, 'picked')
    await mkdir(chosen)
    await engine.changeFolder(ids, chosen)
    await engine.close()
    const reopened = await open()
    const d = (await reopened.snapshot()).downloads.find((x) => x.id === ids[0])!
    expect(d.dir).toBe(chosen)
    expect(d.state).not.toBe('failed')
    await reopened.waitFor(ids[0]!, ['completed'])
    expect(await sha256File(join(chosen, 'c.bin'))).toBe(sha256(makeBody(20_000, 1)))
  })

  it.each([
    ['a relative path', 'downloads/new', 'the folder must be an absolute path: downloads/new'],
    ['an empty path', '', 'the folder must be a path, not ""'],
  ])('refuses %s, naming it, and changes nothing', async (_what, dir, message) => {
    const { folder, ids } = await goneFolder(['d.bin'])
    await expect(engine.changeFolder(ids, dir)).rejects.toMatchObject({
      code: 'DP_ERR_INVALID_ARGUMENT',
      message,
    })
    const d = (await engine.snapshot()).downloads.find((x) => x.id === ids[0])!
    expect([d.dir, d.state, d.error?.code]).toEqual([folder, 'failed', 'DP_ERR_FOLDER_GONE'])
  })

  it('refuses a folder that does not exist (it is not made) and a file', async () => {
    const { ids } = await goneFolder(['e.bin'])
    const missing = join(dirs.root, 'not-there')
    await expect(engine.changeFolder(ids, missing)).rejects.toMatchObject({
      code: 'DP_ERR_INVALID_ARGUMENT',
      message: `the folder ${missing} does not exist: choose one that does`,
    })
    expect(await exists(missing)).toBe(false)
    const file = join(dirs.root, 'a-file')
    await writeFile(file, 'x')
    await expect(engine.changeFolder(ids, file)).rejects.toMatchObject({
      code: 'DP_ERR_INVALID_ARGUMENT',
      message: `${file} is a file, not a folder`,
    })
    await expect(engine.changeFolder(ids, join(file, 'below'))).rejects.toMatchObject({
      code: 'DP_ERR_INVALID_ARGUMENT',
      message: `the folder ${join(file, 'below')} does not exist: choose one that does`,
    })
  })

  it('refuses a running download and a completed one, each with its reason; the others in the call go ahead', async () => {
    const { ids } = await goneFolder(['f.bin'])
    server.file('/slow.bin', makeBody(3_000_000, 7), { rateLimit: 200_000 })
    const running = await addOne(engine, { url: server.url('/slow.bin') })
    await engine.waitFor(running, ['downloading'])
    const completed = (await engine.snapshot()).downloads.find((d) => d.state === 'completed')!
    const chosen = join(dirs.root, 'other')
    await mkdir(chosen)
    const result = await engine.changeFolder([running, completed.id, ids[0]!], chosen)
    expect(result.updated.map((d) => d.id)).toEqual([ids[0]])
    expect(result.rejected).toEqual([
      {
        index: 0,
        id: running,
        error: {
          code: 'DP_ERR_INVALID_STATE',
          message: '"slow.bin" is downloading: pause it first, then choose its folder',
        },
      },
      {
        index: 1,
        id: completed.id,
        error: {
          code: 'DP_ERR_INVALID_STATE',
          message: `"first.bin" is completed: its file is in ${completed.dir}`,
        },
      },
    ])
    const now = (await engine.snapshot()).downloads.find((d) => d.id === running)!
    expect(now.dir).toBe(dirs.downloads)
    await engine.waitFor(ids[0]!, ['completed'])
  })

  it('a paused download with its .part in a folder that is still there is refused (never moved); one whose folder is gone starts over in the new one', async () => {
    const folder = join(dirs.root, 'disk')
    server.file('/big.bin', makeBody(2_000_000, 5), { rateLimit: 300_000 })
    const id = await addOne(engine, { url: server.url('/big.bin'), dir: folder })
    await engine.waitFor(id, ['downloading'])
    await firstBytes(engine, id)
    await engine.pause({ ids: [id] })
    const chosen = join(dirs.root, 'chosen')
    await mkdir(chosen)

    const refused = await engine.changeFolder([id], chosen)
    expect(refused.rejected[0]?.error).toEqual({
      code: 'DP_ERR_INVALID_STATE',
      message: `"big.bin" has its partial data in ${folder}, which is still there; it is not moved: resume it there, or remove it with its partial data and add it again into ${chosen}`,
    })
    expect(await readdir(folder)).toContain('big.bin.part')
    expect(await readdir(chosen)).toEqual([])

    // The disk is gone, and its bytes with it: the new folder is accepted, from byte 0.
    await rm(folder, { recursive: true })
    const accepted = await engine.changeFolder([id], chosen)
    expect(accepted.updated.map((d) => [d.dir, d.state, d.done])).toEqual([[chosen, 'paused', 0]])
    server.file('/big.bin', makeBody(2_000_000, 5))
    await engine.resume({ ids: [id] })
    await engine.waitFor(id, ['completed'])
    expect(await sha256File(join(chosen, 'big.bin'))).toBe(sha256(makeBody(2_000_000, 5)))
    expect(await exists(folder)).toBe(false)
  })
})
