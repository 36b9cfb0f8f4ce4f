import { spawn } from 'node:child_process'
import { cp, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { makeBody } from '../../test/fault-server.ts'
import { addOne, sha256, sha256File, useEngineHarness } from '../../test/engine-harness.ts'
import { fillDisk, mountSmallDisk } from '../../test/small-disk.ts'
import { createEngine, defaultSettings } from './engine.ts'
import { Scheduler } from './scheduler/scheduler.ts'
import { buildRecord } from './scheduler/build-record.ts'
import type { DownloadRecord } from './model/download-record.ts'

const { server, dirs, open } = useEngineHarness({ engine: false })
const engineFor = (settings = {}, state: string | null = dirs.state) => open({ settings, state })

const MiB = 1024 * 1024
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Counts Map#get calls (the engine's record lookups) while `body` runs. */
async function countLookups(body: () => Promise<void>): Promise<number> {
  const original = Map.prototype.get
  let calls = 0
  Map.prototype.get = function (this: Map<unknown, unknown>, key: unknown) {
    calls++
    return original.call(this, key)
  }
  try {
    await body()
  } finally {
    Map.prototype.get = original
  }
  return calls
}

describe('commands on many downloads', () => {
  it('resume, retry, pause and remove cost work linear in the queue, one call or one call per download', async () => {
    server.file('/hold', makeBody(MiB, 3), { rateLimit: 64 * 1024 })
    async function work(n: number): Promise<{ perId: number; oneCall: number }> {
      const engine = await engineFor({ maxConcurrentDownloads: 2 }, null)
      const { added } = await engine.add(
        Array.from({ length: n }, (_, i) => ({ url: server.url(`/hold?i=${i}`), paused: true })),
      )
      const ids = added.map((d) => d.id)
      // As the CLI resumed an interrupted list: once per download.
      const perId = await countLookups(async () => {
        for (const id of ids) await engine.resume({ ids: [id] })
      })
      await engine.pause({ all: true })
      const oneCall = await countLookups(async () => {
        await engine.resume({ ids })
        await engine.pause({ all: true })
        await engine.remove({ ids: ids.slice(0, n / 2) })
        await engine.resume({ all: true })
      })
      await engine.remove({ all: true }, { deleteFiles: true })
      return { perId, oneCall }
    }
    const small = await work(2000)
    const large = await work(4000)
    // Linear: twice the downloads, about twice the lookups (quadratic would be four times).
    expect(large.perId / small.perId).toBeLessThan(2.6)
    expect(large.oneCall / small.oneCall).toBeLessThan(2.6)
    expect(large.perId).toBeLessThan(4000 * 40)
  }, 60_000)
})

describe('the queue journal for commands on many downloads', () => {
  it('pause and resume of a whole list write one line of ids each, not every record', async () => {
    server.file('/hold', makeBody(MiB, 3), { rateLimit: 64 * 1024 })
    const n = 2000
    const open = async () => {
      const scheduler = new Scheduler({
        stateDir: dirs.state,
        settings: defaultSettings({ defaultDir: dirs.downloads, maxConcurrentDownloads: 2 }),
        overrides: {},
        heartbeatMs: 50,
        transferThreads: 0,
      })
      await scheduler.open(dirs.state)
      return scheduler
    }
    const first = await open()
    const { added } = await first.add(
      Array.from({ length: n }, (_, i) => ({ url: server.url(`/hold?i=${i}`), paused: true })),
    )
    await first.close()
    const again = await open()
    await again.resume({ all: true })
    await again.pause({ all: true })
    await again.close()
    // Two downloads started (their own record lines); the rest are two lines of ids (~40
    // bytes a download each), where a record line is ~600 bytes.
    expect(again.persistence!.journal).toBeLessThan(n * 2 * 60 + 20_000)
    const third = await open()
    const { downloads } = await third.snapshot()
    await third.close()
    expect(downloads.map((d) => d.id)).toEqual(added.map((d) => d.id))
    expect(downloads.every((d) => d.state === 'paused')).toBe(true)
  }, 60_000)
})

describe('one engine per state folder', () => {
  it('refuses a second engine on a folder a live engine holds, naming the folder and pid', async () => {
    const first = await engineFor()
    await expect(createEngine({ stateDir: dirs.state })).rejects.toMatchObject({
      code: 'DP_ERR_STATE_LOCKED',
      message: `another Downpour (pid ${process.pid}) is using the state folder ${dirs.state}`,
    })
    await first.close()
    // Closed: the folder is free again.
    const second = await engineFor()
    expect((await second.snapshot()).downloads).toEqual([])
  })

  it('takes over a lock left by a process that died', async () => {
    const child = spawn(process.execPath, ['-e', '0'])
    const deadPid = child.pid!
    await new Promise((resolve) => child.on('exit', resolve))
    await mkdir(dirs.state, { recursive: true })
    await writeFile(join(dirs.state, 'lock'), `${deadPid}\n`)
    const engine = await engineFor()
    expect(await readFile(join(dirs.state, 'lock'), 'utf8')).toBe(`${process.pid}\n`)
    await engine.close()
    expect(await readdir(dirs.state)).not.toContain('lock')
  })

  it.each([
    ['empty', ''],
    ['corrupt', 'not a pid\n'],
  ])('takes over an %s lock at once (no live engine ever leaves one)', async (_, text) => {
    await mkdir(dirs.state, { recursive: true })
    await writeFile(join(dirs.state, 'lock'), text)
    const engine = await engineFor()
    expect(await readFile(join(dirs.state, 'lock'), 'utf8')).toBe(`${process.pid}\n`)
    await engine.close()
    expect(await readdir(dirs.state)).toEqual(expect.not.arrayContaining(['lock']))
  })

  it('on a full state folder: says the folder is full, and leaves no lock behind', async () => {
    const mounted = await mountSmallDisk(join(dirs.root, 'full-state'), 'size=1m')
    if ('skip' in mounted) return console.log(`skipped: ${mounted.skip}`)
    try {
      await fillDisk(mounted.dir)
      await expect(createEngine({ stateDir: mounted.dir })).rejects.toMatchObject({
        code: 'DP_ERR_DISK_FULL',
        message: `cannot lock the state folder ${mounted.dir}: disk full (free some space there)`,
      })
      expect(await readdir(mounted.dir)).toEqual(['filler'])
    } finally {
      mounted.unmount()
    }
  })
})

describe('names stay with their download', () => {
  it("does not let the same URL added again with the paused download's name take over its .part", async () => {
    const body = makeBody(2 * MiB, 61)
    server.file('/same.bin', body, { rateLimit: 2 * MiB })
    const engine = await engineFor()
    const first = await addOne(engine, { url: server.url('/same.bin') })
    await sleep(500)
    await engine.pause({ ids: [first] })
    const partSize = (await stat(join(dirs.downloads, 'same.bin.part'))).size
    const paused = (await engine.snapshot()).downloads.find((d) => d.id === first)!
    expect(paused.done).toBeGreaterThan(0)

    const second = await addOne(engine, { url: server.url('/same.bin'), name: 'same.bin' })
    const done = await engine.waitFor(second, ['completed', 'failed'])
    expect(done).toMatchObject({ state: 'completed', name: 'same (1).bin' })
    expect((await stat(join(dirs.downloads, 'same.bin.part'))).size).toBe(partSize)

    await engine.resume({ ids: [first] })
    expect(await engine.waitFor(first, ['completed', 'failed'])).toMatchObject({
      state: 'completed',
      name: 'same.bin',
    })
    expect(await sha256File(join(dirs.downloads, 'same.bin'))).toBe(sha256(body))
    expect(await sha256File(join(dirs.downloads, 'same (1).bin'))).toBe(sha256(body))
  })
})

describe('a crash between the final rename and the queue save', () => {
  /** A queue that says `f.bin` is downloading, as a kill -9 right after its rename leaves it. */
  async function crashedQueue(record: Partial<DownloadRecord>): Promise<DownloadRecord> {
    await mkdir(dirs.state, { recursive: true })
    const r = {
      ...buildRecord({ url: server.url('/f.bin') }, dirs.downloads),
      state: 'downloading' as const,
      name: 'f.bin',
      nameChosen: true,
      ...record,
    }
    // The version 1 queue file: what every Downpour so far reads.
    await writeFile(
      join(dirs.state, 'queue.json'),
      JSON.stringify({ version: 1, settings: {}, downloads: [r] }),
    )
    return r
  }

  it('finds the complete file (size and checksum) and marks it completed, fetching nothing', async () => {
    const body = makeBody(300_000, 71)
    server.file('/f.bin', body)
    await mkdir(dirs.downloads, { recursive: true })
    await writeFile(join(dirs.downloads, 'f.bin'), body)
    const r = await crashedQueue({
      size: body.length,
      checksum: { algorithm: 'sha-256', hex: sha256(body) },
    })
    const engine = await engineFor()
    expect(await engine.waitFor(r.id, ['completed', 'failed'])).toMatchObject({
      state: 'completed',
      done: body.length,
      name: 'f.bin',
    })
    expect(server.requests()).toHaveLength(0)
    expect(await readdir(dirs.downloads)).toEqual(['f.bin'])
  })

  it('also deletes the control file a kill between the unlink of the .part and its removal left', async () => {
    const body = makeBody(300_000, 75)
    server.file('/f.bin', body)
    await mkdir(dirs.downloads, { recursive: true })
    await writeFile(join(dirs.downloads, 'f.bin'), body)
    await writeFile(join(dirs.downloads, 'f.bin.part.downpour'), '{}')
    const r = await crashedQueue({ size: body.length })
    const engine = await engineFor()
    expect(await engine.waitFor(r.id, ['completed', 'failed'])).toMatchObject({
      state: 'completed',
      name: 'f.bin',
    })
    expect(server.requests()).toHaveLength(0)
    expect(await readdir(dirs.downloads)).toEqual(['f.bin'])
  })

  it('downloads again when the file on disk is not the one expected (checksum differs)', async () => {
    const body = makeBody(300_000, 72)
    server.file('/f.bin', body)
    await mkdir(dirs.downloads, { recursive: true })
    await writeFile(join(dirs.downloads, 'f.bin'), makeBody(300_000, 73))
    const r = await crashedQueue({
      size: body.length,
      checksum: { algorithm: 'sha-256', hex: sha256(body) },
    })
    const engine = await engineFor()
    expect(await engine.waitFor(r.id, ['completed', 'failed'])).toMatchObject({
      state: 'completed',
      name: 'f (1).bin',
    })
    expect(await sha256File(join(dirs.downloads, 'f (1).bin'))).toBe(sha256(body))
  })

  it('has the name and size in the journal before the rename, so a kill -9 just after it loses nothing', async () => {
    const body = makeBody(50_000, 74)
    server.file('/small.bin', body)
    const engine = await engineFor()
    const crashed = join(dirs.root, 'crashed-state')
    let copied: Promise<void> | null = null
    engine.on('download/changed', (e) => {
      // The instant the file is complete, before any coalesced save: what kill -9 would leave.
      if (e.changes.some((c) => c.download.state === 'completed'))
        copied ??= cp(dirs.state, crashed, { recursive: true })
    })
    const id = await addOne(engine, { url: server.url('/small.bin') })
    await engine.waitFor(id, ['completed'])
    await copied
    await engine.close()
    await writeFile(join(crashed, 'lock'), '999999999\n') // the dead run's lock
    const requests = server.requests().length
    const after = await engineFor({}, crashed)
    expect(await after.waitFor(id, ['completed', 'failed'])).toMatchObject({
      state: 'completed',
      name: 'small.bin',
    })
    expect(server.requests()).toHaveLength(requests)
    expect(await readdir(dirs.downloads)).toEqual(['small.bin'])
  })
})

describe('temp files of a crash inside an atomic write', () => {
  it('deletes those of dead processes beside the parts of unfinished downloads on start', async () => {
    const body = makeBody(30_000, 75)
    server.file('/g.bin', body)
    const child = spawn(process.execPath, ['-e', '0'])
    const deadPid = child.pid!
    await new Promise((resolve) => child.on('exit', resolve))
    await mkdir(dirs.downloads, { recursive: true })
    await mkdir(dirs.state, { recursive: true })
    const stale = `.g.bin.part.downpour.${deadPid}.3.tmp`
    const live = `.g.bin.part.downpour.${process.ppid}.1.tmp` // a live process's: not ours to delete
    await writeFile(join(dirs.downloads, stale), '{"version":1,"url":')
    await writeFile(join(dirs.downloads, live), '{}')
    await writeFile(join(dirs.state, `.queue.ndjson.${deadPid}.0.tmp`), '{"version":2,')
    const r = {
      ...buildRecord({ url: server.url('/g.bin') }, dirs.downloads),
      state: 'downloading' as const,
      name: 'g.bin',
      nameChosen: true,
    }
    await writeFile(
      join(dirs.state, 'queue.json'),
      JSON.stringify({ version: 1, settings: {}, downloads: [r] }),
    )
    const engine = await engineFor()
    await engine.waitFor(r.id, ['completed'])
    for (let i = 0; i < 40 && (await readdir(dirs.downloads)).includes(stale); i++) await sleep(50)
    expect((await readdir(dirs.downloads)).sort()).toEqual([live, 'g.bin'].sort())
    // The legacy queue.json is replaced by a snapshot written in the background: its own temp
    // file exists until that compaction ends (closing waits for it).
    await engine.close()
    expect((await readdir(dirs.state)).filter((n) => n.endsWith('.tmp'))).toEqual([])
  })
})

describe('update', () => {
  it('replaces checksum, headers and limits; a failed checksum passes after the correction', async () => {
    const body = makeBody(100_000, 81)
    server.file('/sum.bin', body)
    const engine = await engineFor()
    const id = await addOne(engine, {
      url: server.url('/sum.bin'),
      checksum: { algorithm: 'sha-256', hex: '0'.repeat(64) },
      headers: { 'X-Token': 'old' },
    })
    expect((await engine.waitFor(id, ['failed'])).error?.code).toBe('DP_ERR_CHECKSUM_MISMATCH')
    const result = await engine.update([
      {
        id,
        checksum: { algorithm: 'sha-256', hex: sha256(body).toUpperCase() },
        headers: { 'X-Token': 'new' },
        speedLimit: 0,
      },
      { id: 'nope' },
      { id, name: '../escape' },
    ])
    expect(result.updated.map((d) => d.checksum?.hex)).toEqual([sha256(body)])
    expect(result.rejected.map((r) => [r.index, r.error.code])).toEqual([
      [1, 'DP_ERR_NOT_FOUND'],
      [2, 'DP_ERR_INVALID_ARGUMENT'],
    ])
    await engine.retry({ ids: [id] })
    expect((await engine.waitFor(id, ['completed', 'failed'])).state).toBe('completed')
    expect(server.requests('/sum.bin').at(-1)?.headers['x-token']).toBe('new')
    // The options survive a restart.
    await engine.close()
    const again = await engineFor()
    const saved = (await again.snapshot()).downloads[0]
    expect(saved?.checksum?.hex).toBe(sha256(body))
  })

  it('renames a download only while it has no name on disk', async () => {
    server.file('/n.bin', makeBody(10))
    const engine = await engineFor()
    const id = await addOne(engine, { url: server.url('/n.bin'), paused: true })
    expect((await engine.update([{ id, name: 'chosen.bin' }])).updated[0]?.name).toBe('chosen.bin')
    await engine.resume({ ids: [id] })
    await engine.waitFor(id, ['completed'])
    const refused = await engine.update([{ id, name: 'other.bin' }])
    expect(refused.rejected[0]?.error.message).toMatch(/already has its name on disk/)
    expect(await readdir(dirs.downloads)).toEqual(['chosen.bin'])
  })
})
