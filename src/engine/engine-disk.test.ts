import { execFileSync } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, rmSync, statSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { makeBody } from '../../test/fault-server.ts'
import { addOne, sha256, sha256File, useEngineHarness } from '../../test/engine-harness.ts'
import { deletedOpenFiles, fillDisk, smallDiskFor, type SmallDisk } from '../../test/small-disk.ts'

const MiB = 1024 * 1024
// Each test opens its engine itself, after its small disk (if any) is mounted.
const { server, dirs, engine, open, onTeardown } = useEngineHarness({ engine: false })

/** A small tmpfs for the test, or null after printing why the test is skipped. */
const smallDisk = (options: string) => smallDiskFor({ dirs, onTeardown }, options)

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Fills the disk once download `id` has written `bytes`: a file that fitted when it started
 * (the free-space check let it) meets ENOSPC mid-way, as when another program takes the room.
 */
async function fillOnce(small: SmallDisk, id: string, bytes: number): Promise<string> {
  for (;;) {
    const now = (await engine.snapshot()).downloads.find((d) => d.id === id)
    if (!now || now.done >= bytes || now.state === 'completed' || now.state === 'failed') break
    await sleep(20)
  }
  return fillDisk(small.dir)
}

describe('a full disk', () => {
  it('pauses the download with DP_ERR_DISK_FULL, keeps its data, leaves other folders alone, and resumes once there is space', async () => {
    const small = await smallDisk('size=16m')
    if (!small) return
    await open()
    // 6 MiB on a disk that fills after 1 MiB, slowly enough (4 × 128 KiB/s) that checkpoints
    // record what arrived.
    const big = makeBody(6 * MiB, 11)
    server.file('/big.bin', big, { rateLimit: 128 * 1024 })
    const other = makeBody(3 * MiB, 12)
    server.file('/other.bin', other, { rateLimit: 1024 * 1024 })
    const id = await addOne(engine, {
      url: server.url('/big.bin'),
      dir: small.dir,
      maxConnections: 4,
    })
    const otherId = await addOne(engine, { url: server.url('/other.bin') })
    const filler = await fillOnce(small, id, MiB)

    const paused = await engine.waitFor(id, ['paused', 'failed', 'completed'], 60_000)
    expect(paused.state).toBe('paused')
    expect(paused.error).toEqual({
      code: 'DP_ERR_DISK_FULL',
      message: `Disk full — free some space on ${small.dir} and resume`,
    })
    // Not retried: no retry was logged and no request starts after the pause.
    const requests = server.requests('/big.bin').length
    await sleep(500)
    expect(server.requests('/big.bin').length).toBe(requests)
    const mine = engine.logs.filter((l) => l.id === id)
    expect(mine.some((l) => /retrying/.test(l.message))).toBe(false)
    expect(mine.some((l) => /network/i.test(l.message))).toBe(false)
    expect(existsSync(join(small.dir, 'big.bin.part'))).toBe(true)

    // The download into the other folder was not disturbed.
    const otherDone = await engine.waitFor(otherId, ['completed', 'failed'], 60_000)
    expect(otherDone.state).toBe('completed')
    expect(await sha256File(join(dirs.downloads, 'other.bin'))).toBe(sha256(other))

    // Space freed: resume continues from the kept bytes, not from 0.
    await rm(filler)
    await engine.resume({ ids: [id] })
    const done = await engine.waitFor(id, ['completed', 'failed', 'paused'], 60_000)
    expect(done.state).toBe('completed')
    expect(done.error).toBeNull()
    expect(await sha256File(join(small.dir, 'big.bin'))).toBe(sha256(big))
    const resumed = server.requests('/big.bin').slice(requests)
    expect(resumed[0]?.range?.start).toBeGreaterThan(0)
  }, 120_000)

  it('leaves no descriptor open on a part file removed with deleteFiles after the disk filled up', async () => {
    const small = await smallDisk('size=16m')
    if (!small) return
    if (process.platform !== 'linux') return console.log('skipped: reads /proc/self/fd')
    await open()
    // A segmented download first, so that the worker threads are up and the next download's
    // extra connections (15 of its 16) write from them when the disk fills.
    server.file('/warm.bin', makeBody(4 * MiB, 14), { rateLimit: 1024 * 1024 })
    const warm = await addOne(engine, { url: server.url('/warm.bin') })
    expect((await engine.waitFor(warm, ['completed', 'failed'], 60_000)).state).toBe('completed')
    server.file('/big.bin', makeBody(6 * MiB, 13), { rateLimit: 96 * 1024 })
    const id = await addOne(engine, {
      url: server.url('/big.bin'),
      dir: small.dir,
      maxConnections: 16,
    })
    await fillOnce(small, id, MiB)
    const stopped = await engine.waitFor(id, ['paused', 'failed', 'completed'], 60_000)
    expect(stopped.state).not.toBe('completed')
    await engine.remove({ ids: [id] }, { deleteFiles: true })
    expect(existsSync(join(small.dir, 'big.bin.part'))).toBe(false)
    // Every writer (the scheduler thread and each worker thread) let go of the deleted file.
    expect(deletedOpenFiles(small.dir)).toEqual([])
  }, 120_000)
})

describe('a folder that cannot be written', () => {
  it('says the file system is read-only, with its own code, and does not retry', async () => {
    const small = await smallDisk('ro,size=1m')
    if (!small) return
    await open()
    server.file('/f.bin', makeBody(64 * 1024, 3))
    const id = await addOne(engine, { url: server.url('/f.bin'), dir: small.dir })
    const failed = await engine.waitFor(id, ['failed', 'completed', 'paused'])
    expect(failed.error).toEqual({
      code: 'DP_ERR_DISK_READ_ONLY',
      message: `cannot write to ${small.dir}: the file system is read-only`,
    })
    expect(failed.tries).toBe(1)
    expect(server.requests('/f.bin')).toHaveLength(1)
  })

  it('says read-only for a missing subfolder too, not the ENOENT of a recursive mkdir', async () => {
    const small = await smallDisk('ro,size=1m')
    if (!small) return
    await open()
    server.file('/g.bin', makeBody(64 * 1024, 4))
    const dir = join(small.dir, 'sub', 'deeper')
    const id = await addOne(engine, { url: server.url('/g.bin'), dir })
    const failed = await engine.waitFor(id, ['failed', 'completed', 'paused'])
    expect(failed.error).toEqual({
      code: 'DP_ERR_DISK_READ_ONLY',
      message: `cannot write to ${dir}: the file system is read-only`,
    })
  })
})

describe('a folder this user may not write', () => {
  it('says "cannot write to <folder>: permission denied" with DP_ERR_DISK_PERMISSION', () => {
    // Root may write anywhere: the open runs in a child process as the user nobody.
    if (process.getuid?.() !== 0) return console.log('skipped: needs root to run as nobody')
    const folder = join(dirs.root, 'locked')
    mkdirSync(folder)
    chmodSync(dirs.root, 0o755)
    chmodSync(folder, 0o555)
    const partFile = new URL('./storage/part-file.ts', import.meta.url).pathname
    const script = `
      const { PartFile } = await import(${JSON.stringify(partFile)})
      await PartFile.open(${JSON.stringify(join(folder, 'f.bin.part'))}, 'exclusive').then(
        () => console.log('{}'),
        (error) => console.log(JSON.stringify(error.toJSON())),
      )`
    let output: string
    try {
      output = execFileSync(
        'runuser',
        ['-u', 'nobody', '--', process.execPath, '--input-type=module', '-e', script],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
      )
    } catch (error) {
      return console.log(`skipped: cannot run a process as nobody: ${(error as Error).message}`)
    }
    expect(JSON.parse(output)).toEqual({
      code: 'DP_ERR_DISK_PERMISSION',
      message: `cannot write to ${folder}: permission denied`,
    })
  })
})

describe('the final rename', () => {
  it('is retried on its own when it fails, never the transfer: the complete part is kept and a retry only renames', async () => {
    if (process.getuid?.() !== 0) return console.log('skipped: needs root for chattr +i')
    // Too small to split: one connection, done within a second (so no checkpoint wrote a
    // control file before the rename: the failure itself must record the part as complete).
    const body = makeBody(1.5 * MiB, 21)
    server.file('/f.bin', body)
    await open()
    const part = join(dirs.downloads, 'f.bin.part')
    let immutable = false
    let armed = true
    // An immutable part file cannot be renamed or linked (EPERM, even for root); set while the
    // engine verifies the checksum, i.e. after every byte is written and before the rename.
    const off = engine.on('download/changed', (e) => {
      if (!e.changes.some((c) => c.download.state === 'verifying') || !armed) return
      armed = false
      try {
        execFileSync('chattr', ['+i', part], { stdio: 'pipe' })
        immutable = true
      } catch (error) {
        console.log(`chattr failed: ${(error as Error).message}`)
      }
    })
    try {
      const id = await addOne(engine, {
        url: server.url('/f.bin'),
        checksum: { algorithm: 'sha-256', hex: sha256(body) },
      })
      const failed = await engine.waitFor(id, ['failed', 'completed'], 60_000)
      if (!immutable) return console.log('skipped: this file system does not support chattr +i')
      // One request: the failure fetched nothing again and did not truncate the part.
      expect(server.requests('/f.bin')).toHaveLength(1)
      expect(statSync(part).size).toBe(body.length)
      expect(failed.state).toBe('failed')
      expect(failed.error?.code).toBe('DP_ERR_DISK_PERMISSION')
      expect(failed.error?.message).toMatch(/complete.*retry to rename it/)
      const mine = engine.logs.filter((l) => l.id === id).map((l) => l.message)
      expect(mine.some((m) => /keeping \d+ bytes|retrying/.test(m))).toBe(false)

      execFileSync('chattr', ['-i', part])
      immutable = false
      await engine.retry({ ids: [id] })
      const done = await engine.waitFor(id, ['completed', 'failed'], 60_000)
      expect(done.state).toBe('completed')
      expect(server.requests('/f.bin')).toHaveLength(1)
      expect(await sha256File(join(dirs.downloads, 'f.bin'))).toBe(sha256(body))
      expect(existsSync(part)).toBe(false)
      expect(existsSync(part + '.downpour')).toBe(false)
    } finally {
      off()
      if (existsSync(part)) execFileSync('chattr', ['-i', part])
    }
  }, 120_000)
})

describe('a .part deleted by another program while downloading', () => {
  it('starts over once, saying why, and completes with the right bytes (R10)', async () => {
    // Slow enough to delete the part mid-way; small enough for one connection.
    const body = makeBody(768 * 1024, 22)
    server.file('/gone.bin', body, { rateLimit: 512 * 1024 })
    await open()
    const part = join(dirs.downloads, 'gone.bin.part')
    let deleted = false
    // Once bytes are in the part (the transfer holds it open), another program deletes it.
    const watch = setInterval(() => {
      if (deleted || !existsSync(part) || statSync(part).size < 64 * 1024) return
      deleted = true
      rmSync(part)
    }, 10)
    const off = () => clearInterval(watch)
    try {
      const id = await addOne(engine, {
        url: server.url('/gone.bin'),
        checksum: { algorithm: 'sha-256', hex: sha256(body) },
      })
      const end = await engine.waitFor(id, ['completed', 'failed'], 60_000)
      expect(deleted).toBe(true)
      expect(end.error).toBeNull()
      expect(end.state).toBe('completed')
      expect(await sha256File(join(dirs.downloads, 'gone.bin'))).toBe(sha256(body))
      expect(existsSync(part)).toBe(false)
      expect(existsSync(part + '.downpour')).toBe(false)
      // Fetched again from the first byte, once.
      expect(server.requests('/gone.bin').length).toBe(2)
      const story = engine.logs.filter((l) => l.id === id).map((l) => l.message)
      expect(story).toEqual([
        expect.stringMatching(
          /^gone\.bin: try 1 failed \(.*gone\.bin\.part was deleted or replaced by another program before it was finished; downloading it again from the start\); retrying in [\d.]+ s, from the start$/,
        ),
      ])
    } finally {
      off()
    }
  }, 90_000)
})
