import { existsSync, lstatSync } from 'node:fs'
import { chmod, lchown, link, mkdir, readdir, rm, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { makeBody } from '../../test/fault-server.ts'
import { addOne, sha256, sha256File, useEngineHarness } from '../../test/engine-harness.ts'

// Someone who can write to the download folder (a shared /srv/downloads, /tmp) plants links
// there; the engine must never write through them to a file outside the folder (issue 19, 7).
const MiB = 1024 * 1024
const { server, dirs, engine } = useEngineHarness()

const VICTIM_TEXT = Buffer.from('the victim: a file outside the download folder\n')

/** A file outside the download folder, and its sha256 now. */
async function plantVictim(name = 'victim.txt'): Promise<{ path: string; sha: string }> {
  const path = join(dirs.root, name)
  await writeFile(path, VICTIM_TEXT)
  return { path, sha: sha256(VICTIM_TEXT) }
}

/** Starts big.bin slowly, waits for bytes on disk, pauses it: a `.part` (and control file) stay. */
async function pausedDownload(): Promise<{ id: string; body: Buffer }> {
  const body = makeBody(4 * MiB, 71)
  server.file('/big.bin', body, { rateLimit: 512 * 1024 })
  const id = await addOne(engine, { url: server.url('/big.bin'), maxConnections: 1 })
  for (let i = 0; i < 200; i++) {
    const snap = (await engine.snapshot()).downloads.find((d) => d.id === id)!
    if (snap.done > 256 * 1024) break
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  await engine.pause({ ids: [id] })
  expect(existsSync(join(dirs.downloads, 'big.bin.part'))).toBe(true)
  return { id, body }
}

describe('a link planted in the download folder', () => {
  it('a symlink in place of a paused .part: refused (DP_ERR_UNSAFE_PATH), the victim untouched, no final name leads to it', async () => {
    const victim = await plantVictim()
    const { id } = await pausedDownload()
    const part = join(dirs.downloads, 'big.bin.part')
    await rm(part)
    await symlink(victim.path, part)
    await engine.resume({ ids: [id] })
    const end = await engine.waitFor(id, ['failed', 'completed', 'paused'], 30_000)
    expect(end.state).toBe('failed')
    expect(end.error?.code).toBe('DP_ERR_UNSAFE_PATH')
    expect(end.error?.message).toContain(`${part} is a symbolic link`)
    expect(await sha256File(victim.path)).toBe(victim.sha)
    expect(existsSync(join(dirs.downloads, 'big.bin'))).toBe(false)
  }, 60_000)

  it('a hard link to the victim in place of a paused .part: refused ("has other hard links"), the victim untouched', async () => {
    const victim = await plantVictim()
    const { id } = await pausedDownload()
    const part = join(dirs.downloads, 'big.bin.part')
    await rm(part)
    await link(victim.path, part)
    await engine.resume({ ids: [id] })
    const end = await engine.waitFor(id, ['failed', 'completed', 'paused'], 30_000)
    expect(end.state).toBe('failed')
    expect(end.error?.code).toBe('DP_ERR_UNSAFE_PATH')
    expect(end.error?.message).toContain(`${part} has other hard links`)
    expect(await sha256File(victim.path)).toBe(victim.sha)
    expect(lstatSync(victim.path).size).toBe(VICTIM_TEXT.length)
  }, 60_000)

  it('a symlink at the control file: replaced by the engine’s own file, never written through; the download completes', async () => {
    const victim = await plantVictim()
    const { id, body } = await pausedDownload()
    const control = join(dirs.downloads, 'big.bin.part.downpour')
    await rm(control, { force: true })
    await symlink(victim.path, control)
    await engine.resume({ ids: [id] })
    const end = await engine.waitFor(id, ['failed', 'completed'], 60_000)
    expect(end.state).toBe('completed')
    expect(await sha256File(join(dirs.downloads, 'big.bin'))).toBe(sha256(body))
    expect(await sha256File(victim.path)).toBe(victim.sha)
  }, 60_000)

  it('symlinks planted at the control file’s temp names (old: `.<name>.<pid>.<n>.tmp`): none is written through', async () => {
    const victim = await plantVictim()
    // The names a predictable counter would use in this process: every one leads to the victim.
    await mkdir(dirs.downloads, { recursive: true })
    for (let n = 0; n < 64; n++) {
      const temp = join(dirs.downloads, `.big.bin.part.downpour.${process.pid}.${n}.tmp`)
      await symlink(victim.path, temp)
    }
    const { id, body } = await pausedDownload()
    await engine.resume({ ids: [id] })
    const end = await engine.waitFor(id, ['failed', 'completed'], 60_000)
    expect(end.state).toBe('completed')
    expect(await sha256File(join(dirs.downloads, 'big.bin'))).toBe(sha256(body))
    expect(await sha256File(victim.path)).toBe(victim.sha)
  }, 60_000)

  it('a subfolder that another user replaced by a symlink in a shared folder: refused, nothing created at its target', async (context) => {
    if (process.geteuid?.() !== 0) {
      console.log('skipped: planting a link owned by another user needs root (lchown)')
      context.skip()
    }
    const shared = join(dirs.root, 'shared')
    await mkdir(shared)
    await chmod(shared, 0o1777)
    const outside = join(dirs.root, 'outside')
    await mkdir(outside)
    const sub = join(shared, 'sub')
    await symlink(outside, sub)
    await lchown(sub, 4242, 4242)
    server.file('/a.bin', makeBody(64 * 1024, 72))
    const id = await addOne(engine, { url: server.url('/a.bin'), dir: join(sub, 'deeper') })
    const end = await engine.waitFor(id, ['failed', 'completed'], 30_000)
    expect(end.state).toBe('failed')
    expect(end.error?.code).toBe('DP_ERR_UNSAFE_PATH')
    expect(end.error?.message).toContain(`${sub} is a symbolic link made by another user`)
    expect(await readdir(outside)).toEqual([])

    // The person's own link in the same shared folder is followed, as always.
    const mine = join(shared, 'mine')
    await symlink(outside, mine)
    const ownId = await addOne(engine, { url: server.url('/a.bin'), dir: mine, name: 'own.bin' })
    expect((await engine.waitFor(ownId, ['failed', 'completed'], 30_000)).state).toBe('completed')
    expect(await readdir(outside)).toEqual(['own.bin'])
  }, 60_000)
})
