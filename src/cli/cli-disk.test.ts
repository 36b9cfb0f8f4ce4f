import { readFile, readdir, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { beforeEach, describe, expect, it } from 'vitest'
import { defaultLastModified, makeBody, strongEtag } from '../../test/fault-server.ts'
import { sha256, sha256File } from '../../test/engine-harness.ts'
import { startCli, useCli } from '../../test/run-cli.ts'
import { fillDisk, fillDiskBut, mountSmallDisk, type SmallDisk } from '../../test/small-disk.ts'

const cli = useCli()
const { server, dirs } = cli
let disk: SmallDisk | null = null

beforeEach(() => {
  // Unmounted after the CLI's child is gone and before the folders are removed.
  cli.onTeardown(() => {
    disk?.unmount()
    disk = null
  })
})

describe('downpour get on a full disk', () => {
  it('a file larger than the free space: exit 9 (aria2: not enough disk space), saying what it needs and what is free, and nothing written', async () => {
    const mounted = await mountSmallDisk(join(dirs.root, 'small'), 'size=1m')
    if ('skip' in mounted) return console.log(`skipped: ${mounted.skip}`)
    disk = mounted
    server.file('/big.bin', makeBody(3 * 1024 * 1024, 41))
    const result = await startCli([server.url('/big.bin')], {
      downloads: disk.dir,
      state: dirs.state,
    }).done
    expect(result.code).toBe(9)
    expect(result.stderr).toMatch(
      new RegExp(
        `paused ${server.url('/big.bin')}: Not enough space: needs 3\\.0 MiB, [\\d.]+ (KiB|MiB) free on ${disk.dir} — free some space and resume`,
      ),
    )
    expect(await readdir(disk.dir)).toEqual([])
  }, 60_000)
})

const MiB = 1024 * 1024

/**
 * Serves `body` at /eight.bin: the first answer sends `first` bytes, then waits for the
 * returned gate to open (the test fills the disk meanwhile: another program taking the space
 * the check saw free), then the rest. A retry (a slow machine may call the wait a stall) gets
 * what it asks for, as a server that can resume answers: never a 200 that starts it over.
 */
function serveGated(
  body: Buffer,
  validators: { etag: string; lastModified: string },
  first: number,
): () => void {
  let openGate = () => {}
  const gate = new Promise<void>((resolve) => (openGate = resolve))
  server.handle('/eight.bin', (req, res) => {
    const from = /^bytes=(\d+)-$/.exec(req.headers.range ?? '')
    if (from) {
      const start = Number(from[1])
      res.writeHead(206, {
        'content-length': String(body.length - start),
        'content-range': `bytes ${start}-${body.length - 1}/${body.length}`,
        etag: validators.etag,
        'last-modified': validators.lastModified,
      })
      return void res.end(body.subarray(start))
    }
    res.writeHead(200, {
      'content-length': String(body.length),
      'accept-ranges': 'bytes',
      etag: validators.etag,
      'last-modified': validators.lastModified,
    })
    if (req.method === 'HEAD') return void res.end()
    res.write(body.subarray(0, first))
    void gate.then(() => res.end(body.subarray(first)))
  })
  return openGate
}

/** The durable ranges of the control file at `path` (null while there is none). */
async function durableIn(path: string): Promise<{ start: number; end: number }[] | null> {
  return readFile(path, 'utf8').then(
    (text) => (JSON.parse(text) as { durable: { start: number; end: number }[] }).durable,
    () => null,
  )
}

describe('downpour get when the disk fills up mid-download', () => {
  it('the issue’s 8 MiB file: exits 9 saying what it needs, and the rerun once there is room continues from what the part held when the disk filled, not from the last checkpoint', async () => {
    const mounted = await mountSmallDisk(join(dirs.root, 'small'), 'size=10m')
    if ('skip' in mounted) return console.log(`skipped: ${mounted.skip}`)
    disk = mounted
    const body = makeBody(8 * MiB, 43)
    const validators = { etag: strongEtag(body), lastModified: defaultLastModified(1) }
    // The first answer sends 3 MiB, then waits for the test to fill the disk (another program
    // taking the space the check saw free: the check cannot see the future), then the rest.
    const openGate = serveGated(body, validators, 3 * MiB)
    const part = join(disk.dir, 'eight.bin.part')
    const first = startCli(['-x', '1', server.url('/eight.bin')], {
      downloads: disk.dir,
      state: dirs.state,
    })
    // Until a checkpoint has recorded the 3 MiB as durable in the control file (every second
    // while the download runs). What arrives after it fills the disk: the stop's checkpoint
    // finds no block for a new control file, and rewrites the one there in place instead.
    const control = `${part}.downpour`
    while (((await durableIn(control))?.[0]?.end ?? 0) < 3 * MiB)
      await new Promise((resolve) => setTimeout(resolve, 25))
    // Full, but for 2 MiB that the part then takes (written within milliseconds, so the last
    // checkpoint with room for a new control file is the one of 3 MiB).
    const filler = await fillDiskBut(disk.dir, 2 * MiB)
    openGate()
    const full = await first.done
    expect(full.code).toBe(9)
    // What to free (the bytes written need no new room when written again).
    expect(full.stderr).toMatch(
      new RegExp(
        `paused ${server.url('/eight.bin')}: Disk full — free some space on ${disk.dir} and resume \\(needs [\\d.]+ (KiB|MiB) more\\)`,
      ),
    )
    const kept = await keptOnFullDisk(part)
    expect(kept).toBeGreaterThan(4.5 * MiB)
    await rm(filler)
    await rerunContinuesFrom(kept, body, validators)
  }, 60_000)

  it('a disk that fills up in the download’s first second, before any checkpoint: the control file made with the `.part` is rewritten in place, and the rerun continues from what the part held', async () => {
    const mounted = await mountSmallDisk(join(dirs.root, 'small'), 'size=10m')
    if ('skip' in mounted) return console.log(`skipped: ${mounted.skip}`)
    disk = mounted
    const body = makeBody(8 * MiB, 44)
    const validators = { etag: strongEtag(body), lastModified: defaultLastModified(1) }
    const openGate = serveGated(body, validators, MiB)
    const part = join(disk.dir, 'eight.bin.part')
    const first = startCli(['-x', '1', server.url('/eight.bin')], {
      downloads: disk.dir,
      state: dirs.state,
    })
    // The control file is there before any checkpoint (one comes a second after the first
    // byte, and lists bytes): made with the `.part`, listing none.
    const control = `${part}.downpour`
    let durable = await durableIn(control)
    while (durable === null) {
      await new Promise((resolve) => setTimeout(resolve, 5))
      durable = await durableIn(control)
    }
    expect(durable).toEqual([])
    while ((await stat(part)).blocks * 512 < MiB)
      await new Promise((resolve) => setTimeout(resolve, 5))
    const filler = await fillDiskBut(disk.dir, 2 * MiB)
    openGate()
    expect((await first.done).code).toBe(9)
    const kept = await keptOnFullDisk(part)
    expect(kept).toBeGreaterThan(2.5 * MiB)
    await rm(filler)
    await rerunContinuesFrom(kept, body, validators)
  }, 60_000)
})

/**
 * What the control file beside `part` records after the disk filled up: every byte the part
 * holds (its blocks: it was sized up front, sparse), up to the page the last write filled in
 * part, durable (the fdatasync came first).
 */
async function keptOnFullDisk(part: string): Promise<number> {
  const held = (await stat(part)).blocks * 512
  const durable = await durableIn(`${part}.downpour`)
  expect(durable).toHaveLength(1)
  expect(durable![0]!.start).toBe(0)
  const kept = durable![0]!.end
  expect(kept).toBeLessThanOrEqual(held)
  expect(kept).toBeGreaterThan(held - 64 * 1024)
  return kept
}

/** The same command, with room again: asks only from `kept` on, and the file is whole. */
async function rerunContinuesFrom(
  kept: number,
  body: Buffer,
  validators: { etag: string; lastModified: string },
): Promise<void> {
  const before = server.requests('/eight.bin').length
  server.file('/eight.bin', body, validators)
  const rerun = await startCli(['-x', '1', server.url('/eight.bin')], {
    downloads: disk!.dir,
    state: dirs.state,
  }).done
  expect(rerun.stderr).toBe('')
  expect(rerun.code).toBe(0)
  const asked = server
    .requests('/eight.bin')
    .slice(before)
    .filter((r) => r.method === 'GET')
  // From what the part held when the disk filled: nothing it had is fetched again.
  expect(asked[0]?.range?.start).toBe(kept)
  for (const request of asked) expect(request.range?.start).toBeGreaterThanOrEqual(kept)
  expect(await readdir(disk!.dir)).toEqual(['eight.bin'])
  expect(await sha256File(join(disk!.dir, 'eight.bin'))).toBe(sha256(body))
}

describe('downpour get when the disk fills up under worker threads', () => {
  it('a segmented download whose worker threads meet the full disk: the control file records what their writes put in the part, and the rerun fetches none of it again', async () => {
    const mounted = await mountSmallDisk(join(dirs.root, 'small'), 'size=12m')
    if ('skip' in mounted) return console.log(`skipped: ${mounted.skip}`)
    disk = mounted
    // A segmented download first, so that a transfer worker thread is up when the big one
    // starts: its extra connections then all run on worker threads, none on the CLI's own.
    server.file('/warm.bin', makeBody(2 * MiB, 45), { rateLimit: 512 * 1024 })
    const body = makeBody(8 * MiB, 46)
    const validators = { etag: strongEtag(body), lastModified: defaultLastModified(1) }
    const ahead = 256 * 1024
    const openGate = serveSplit(body, validators, ahead)
    const list = join(dirs.root, 'list.txt')
    await writeFile(list, `${server.url('/warm.bin')}\n${server.url('/eight.bin')}\n`)
    const args = ['-j', '1', '-x', '4', '-i', list]
    const first = startCli(args, { downloads: disk.dir, state: dirs.state })
    // Every connection's first bytes in the part: the first answer's MiB (read on the CLI's
    // thread, which gets no more) and `ahead` from each of the three worker connections.
    const part = join(disk.dir, 'eight.bin.part')
    const before = MiB + 3 * ahead
    for (;;) {
      const ranged = server.requests('/eight.bin').filter((r) => r.range !== undefined)
      const held = await stat(part).then(
        (s) => s.blocks * 512,
        () => 0,
      )
      if (ranged.length >= 3 && held >= before) break
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
    // Room for 2 MiB more, which the worker threads' writes take within milliseconds (no
    // checkpoint in between), then fail.
    const filler = await fillDiskBut(disk.dir, 2 * MiB)
    openGate()
    const full = await first.done
    expect(full.code).toBe(9)
    expect(full.stderr).toMatch(/paused .*eight\.bin: Disk full/)
    const held = (await stat(part)).blocks * 512
    expect(held).toBeGreaterThan(before + MiB)
    const durable = (await durableIn(`${part}.downpour`)) ?? []
    const kept = durable.reduce((sum, r) => sum + r.end - r.start, 0)
    // Every range the part holds, but for the page each connection's last write filled in part.
    expect(kept).toBeLessThanOrEqual(held)
    expect(kept).toBeGreaterThan(held - durable.length * 64 * 1024)
    await rm(filler)
    // The rerun, with room: the big file's missing bytes only (warm.bin is complete).
    const asked = server.requests('/eight.bin').length
    server.file('/eight.bin', body, validators)
    const rerun = await startCli(args, { downloads: disk.dir, state: dirs.state }).done
    expect(rerun.stderr).toBe('')
    expect(rerun.code).toBe(0)
    for (const request of server.requests('/eight.bin').slice(asked)) {
      const start = request.range?.start ?? 0
      expect(durable.some((r) => start >= r.start && start < r.end)).toBe(false)
    }
    expect(await sha256File(join(disk.dir, 'eight.bin'))).toBe(sha256(body))
  }, 90_000)
})

/**
 * Serves `body` at /eight.bin for a segmented download: the first answer (a 200) sends 1 MiB
 * and then nothing more (the CLI's own thread writes no more after it); each range answer
 * sends `ahead` bytes, then waits for the returned gate to open before sending the rest.
 */
function serveSplit(
  body: Buffer,
  validators: { etag: string; lastModified: string },
  ahead: number,
): () => void {
  let openGate = () => {}
  const gate = new Promise<void>((resolve) => (openGate = resolve))
  server.handle('/eight.bin', (req, res) => {
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '')
    const headers = { etag: validators.etag, 'last-modified': validators.lastModified }
    res.on('error', () => {})
    if (!range) {
      res.writeHead(200, {
        ...headers,
        'content-length': String(body.length),
        'accept-ranges': 'bytes',
      })
      if (req.method === 'HEAD') return void res.end()
      return void res.write(body.subarray(0, MiB))
    }
    const start = Number(range[1])
    const end = range[2] ? Number(range[2]) : body.length - 1
    res.writeHead(206, {
      ...headers,
      'content-length': String(end - start + 1),
      'content-range': `bytes ${start}-${end}/${body.length}`,
    })
    const bytes = body.subarray(start, end + 1)
    res.write(bytes.subarray(0, ahead))
    void gate.then(() => res.end(bytes.subarray(ahead)))
  })
  return openGate
}

describe('downpour get with its state folder full', () => {
  it('pauses what the queue cannot record, exits 9 saying why, and the rerun makes no copies', async () => {
    const mounted = await mountSmallDisk(join(dirs.root, 'state'), 'size=4m')
    if ('skip' in mounted) return console.log(`skipped: ${mounted.skip}`)
    disk = mounted
    const count = 60
    const bodies = Array.from({ length: count }, (_, i) => makeBody(1000 + i, 300 + i))
    // Slow enough answers that the run is still choosing names when the folder fills up.
    bodies.forEach((body, i) =>
      server.file(`/f${i}.bin`, body, { fault: () => ({ kind: 'delay', ms: 150 }) }),
    )
    const list = join(dirs.root, 'list.txt')
    await writeFile(list, bodies.map((_, i) => server.url(`/f${i}.bin`)).join('\n'))
    const options = { downloads: dirs.downloads, state: disk.dir }
    const first = startCli(['-j', '2', '-i', list], options)
    for (let i = 0; i < 400; i++) {
      const names = await readdir(dirs.downloads).catch(() => [] as string[])
      if (names.filter((n) => n.endsWith('.bin')).length >= 3) break
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
    const filler = await fillDisk(disk.dir)
    const full = await first.done
    expect(full.stderr).toContain(`cannot save the queue: disk full (${disk.dir})`)
    expect(full.stderr).toMatch(/^downpour: paused .*: cannot save the queue: disk full/m)
    expect(full.code).toBe(9)
    // Nothing was published that the queue did not record: freed, the rerun finds each file
    // under its own name, and fetches the rest.
    await rm(filler)
    const rerun = await startCli(['-j', '2', '-i', list], options).done
    expect(rerun.stdout).toMatch(new RegExp(`${count} completed`))
    expect(rerun.code).toBe(0)
    const names = (await readdir(dirs.downloads)).sort()
    expect(names).toEqual(bodies.map((_, i) => `f${i}.bin`).sort())
    for (const [i, body] of bodies.entries())
      expect(await sha256File(join(dirs.downloads, `f${i}.bin`))).toBe(sha256(body))
  }, 120_000)
})
