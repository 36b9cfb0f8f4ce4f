import { readdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { makeBody } from '../../test/fault-server.ts'
import { addOne, sha256, sha256File, startEngine } from '../../test/engine-harness.ts'
import { useCli } from '../../test/run-cli.ts'

// Reruns and concurrent runs of the real CLI, each in its own child process.

const { server, dirs, start } = useCli()

const run = (args: string[]) => start(args).done
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('downpour get run again', () => {
  it('completes with the corrected --checksum after a run that failed its checksum', async () => {
    const body = makeBody(200_000, 91)
    server.file('/sum.bin', body)
    const wrong = await run(['--checksum', `sha-256=${'0'.repeat(64)}`, server.url('/sum.bin')])
    expect(wrong.code).toBe(32) // checksum mismatch
    expect(wrong.stderr).toMatch(/sha-256 mismatch: expected 0{64}/)
    const right = await run(['--checksum', `sha-256=${sha256(body)}`, server.url('/sum.bin')])
    expect(right.stderr).not.toMatch(/mismatch/)
    expect(right.code).toBe(0)
    expect(await sha256File(join(dirs.downloads, 'sum.bin'))).toBe(sha256(body))
  })

  it('sends the header given to the rerun, not the one stored by the first run', async () => {
    const body = makeBody(50_000, 92)
    let missing = true
    server.file('/h.bin', body, {
      fault: () => (missing ? { kind: 'status', status: 404 } : undefined),
    })
    const first = await run(['--header', 'X-Token: old', server.url('/h.bin')])
    expect(first.code).toBe(3) // 404
    missing = false
    const second = await run(['--header', 'X-Token: new', server.url('/h.bin')])
    expect(second.code).toBe(0)
    expect(server.requests('/h.bin').at(-1)?.headers['x-token']).toBe('new')
    expect(await sha256File(join(dirs.downloads, 'h.bin'))).toBe(sha256(body))
  })
})

describe('downpour get run again after Ctrl-C', () => {
  it('resumes the interrupted download, keeps a completed file and fetches a deleted one again', async () => {
    const kept = makeBody(1000, 95)
    const gone = makeBody(1200, 96)
    const slow = makeBody(2 * 1024 * 1024, 97)
    server.file('/kept.bin', kept)
    server.file('/gone.bin', gone)
    server.file('/slow.bin', slow, { rateLimit: 256 * 1024 })
    const list = join(dirs.downloads, '..', 'list.txt')
    await writeFile(
      list,
      ['/kept.bin', '/gone.bin', '/slow.bin'].map((p) => server.url(p)).join('\n'),
    )
    const first = start(['-i', list])
    // Interrupted once the two small files are complete and the slow one is under way.
    for (let i = 0; i < 300; i++) {
      const names = await readdir(dirs.downloads).catch(() => [] as string[])
      if (
        names.includes('kept.bin') &&
        names.includes('gone.bin') &&
        server.requests('/slow.bin').length > 0
      )
        break
      await sleep(50)
    }
    first.child.kill('SIGINT')
    expect((await first.done).code).toBe(130)
    await rm(join(dirs.downloads, 'gone.bin'))
    const rerun = await run(['-i', list])
    expect(rerun.code).toBe(0)
    expect(rerun.stdout).toMatch(/done {6}kept\.bin \(already downloaded\)/)
    expect(rerun.stdout).toMatch(/3 completed/)
    expect(server.requests('/kept.bin')).toHaveLength(1)
    expect(server.requests('/gone.bin')).toHaveLength(2)
    // The slow one continued from its bytes: the rerun asked for a range, not the whole file.
    expect(server.requests('/slow.bin').at(-1)?.headers.range).toMatch(/^bytes=[1-9]\d*-$/)
    expect((await readdir(dirs.downloads)).sort()).toEqual(['gone.bin', 'kept.bin', 'slow.bin'])
    for (const [name, body] of [
      ['kept.bin', kept],
      ['gone.bin', gone],
      ['slow.bin', slow],
    ] as const)
      expect(await sha256File(join(dirs.downloads, name))).toBe(sha256(body))
  }, 60_000)
})

describe('downpour get run again over a completed file that changed since', () => {
  /** Runs `-i list` until good.bin is complete and slow.bin under way, then Ctrl-C. */
  async function completeThenInterrupt(list: string): Promise<void> {
    const first = start(['-i', list])
    for (let i = 0; i < 300; i++) {
      const names = await readdir(dirs.downloads).catch(() => [] as string[])
      if (names.includes('good.bin') && server.requests('/slow.bin').length > 0) break
      await sleep(50)
    }
    first.child.kill('SIGINT')
    expect((await first.done).code).toBe(130)
  }

  it.each([
    {
      label: 'emptied',
      spoil: () => Buffer.alloc(0),
      reason: /is 0 bytes, not the 1000 downloaded/,
    },
    {
      label: 'changed in place (same size) with a checksum given now',
      spoil: () => makeBody(1000, 7),
      reason: /has sha-256 [0-9a-f]{64}, not the [0-9a-f]{64} given/,
    },
  ])(
    '$label: it is downloaded again in its place, saying why',
    async ({ spoil, reason }) => {
      const good = makeBody(1000, 98)
      server.file('/good.bin', good)
      server.file('/slow.bin', makeBody(2 * 1024 * 1024, 99), { rateLimit: 256 * 1024 })
      const list = join(dirs.downloads, '..', 'list.txt')
      const lines = (checksum: boolean) =>
        [
          server.url('/good.bin'),
          ...(checksum ? [`  checksum=sha-256=${sha256(good)}`] : []),
          server.url('/slow.bin'),
        ].join('\n')
      await writeFile(list, lines(false))
      await completeThenInterrupt(list)
      await writeFile(join(dirs.downloads, 'good.bin'), spoil())
      await writeFile(list, lines(true))
      const rerun = await run(['-i', list])
      expect(rerun.stderr).toMatch(reason)
      expect(rerun.stderr).toMatch(/good\.bin .*; downloading it again in its place/)
      expect(rerun.stdout).not.toMatch(/already downloaded/)
      expect(rerun.code).toBe(0)
      expect(server.requests('/good.bin')).toHaveLength(2)
      expect((await readdir(dirs.downloads)).sort()).toEqual(['good.bin', 'slow.bin'])
      expect(await sha256File(join(dirs.downloads, 'good.bin'))).toBe(sha256(good))
    },
    60_000,
  )

  it('a wrong checksum given now is not "already downloaded" either', async () => {
    const good = makeBody(1000, 98)
    server.file('/good.bin', good)
    server.file('/slow.bin', makeBody(2 * 1024 * 1024, 99), { rateLimit: 256 * 1024 })
    const list = join(dirs.downloads, '..', 'list.txt')
    await writeFile(list, [server.url('/good.bin'), server.url('/slow.bin')].join('\n'))
    await completeThenInterrupt(list)
    await writeFile(
      list,
      [
        server.url('/good.bin'),
        `  checksum=sha-256=${'0'.repeat(64)}`,
        server.url('/slow.bin'),
      ].join('\n'),
    )
    const rerun = await run(['-i', list])
    expect(rerun.stdout).not.toMatch(/already downloaded/)
    expect(rerun.stderr).toMatch(/sha-256 mismatch: expected 0{64}/)
    expect(rerun.code).toBe(32) // checksum mismatch
  }, 60_000)
})

describe('two downpour get on the same folder', () => {
  /** Starts `downpour get URL` of a slow file and resolves once its `.part` exists. */
  async function startSlow(body: Buffer) {
    server.file('/slow.bin', body, { rateLimit: 256 * 1024 })
    const first = start([server.url('/slow.bin')])
    for (let i = 0; i < 300; i++) {
      if ((await readdir(dirs.downloads).catch(() => [] as string[])).includes('slow.bin.part'))
        break
      await sleep(50)
    }
    return first
  }

  it('an unrelated run starts at once and ends while the first still runs', async () => {
    const slow = makeBody(2 * 1024 * 1024, 93)
    const other = makeBody(1000, 94)
    server.file('/other.bin', other)
    const first = await startSlow(slow)
    const second = await run([server.url('/other.bin')])
    expect(second.code).toBe(0)
    expect(second.stdout + second.stderr).not.toMatch(/waiting/)
    // The second ended before the first (its queue is in another slot: nothing was waited for).
    expect(first.child.exitCode).toBeNull()
    expect(await sha256File(join(dirs.downloads, 'other.bin'))).toBe(sha256(other))
    expect((await first.done).code).toBe(0)
    expect((await readdir(dirs.downloads)).sort()).toEqual(['other.bin', 'slow.bin'])
    expect(await sha256File(join(dirs.downloads, 'slow.bin'))).toBe(sha256(slow))
  }, 60_000)

  it('the same file: the second waits for it, naming the folder and the file, and finds it complete', async () => {
    const slow = makeBody(2 * 1024 * 1024, 93)
    const other = makeBody(1000, 94)
    server.file('/other.bin', other)
    const first = await startSlow(slow)
    const second = start([server.url('/other.bin'), server.url('/slow.bin')])
    let stdout = ''
    second.child.stdout!.on('data', (d) => (stdout += d))
    for (let i = 0; i < 300 && !stdout.includes('waiting'); i++) await sleep(50)
    expect(stdout).toContain(
      `another downpour (pid ${first.child.pid}) is downloading slow.bin into ${dirs.downloads}; waiting for it to finish…`,
    )
    // Meanwhile the second's other download went on.
    expect(first.child.exitCode).toBeNull()
    expect(server.requests('/other.bin')).toHaveLength(1)
    const [a, b] = await Promise.all([first.done, second.done])
    expect(a.code).toBe(0)
    expect(b.code).toBe(0)
    expect(b.stdout).toContain('done      slow.bin (already downloaded)')
    // Never two writers of one .part, never a copy.
    expect((await readdir(dirs.downloads)).sort()).toEqual(['other.bin', 'slow.bin'])
    expect(await sha256File(join(dirs.downloads, 'slow.bin'))).toBe(sha256(slow))
  }, 60_000)

  it('the run waited for is killed (kill -9): the waiting one takes its file over in place', async () => {
    const slow = makeBody(2 * 1024 * 1024, 95)
    const first = await startSlow(slow)
    const second = start([server.url('/slow.bin')])
    let stdout = ''
    second.child.stdout!.on('data', (d) => (stdout += d))
    for (let i = 0; i < 300 && !stdout.includes('waiting'); i++) await sleep(50)
    expect(stdout).toContain('waiting for it to finish')
    first.child.kill('SIGKILL')
    await first.done
    server.file('/slow.bin', slow)
    const b = await second.done
    expect(b.code).toBe(0)
    expect((await readdir(dirs.downloads)).sort()).toEqual(['slow.bin'])
    expect(await sha256File(join(dirs.downloads, 'slow.bin'))).toBe(sha256(slow))
  }, 60_000)
})

describe('downpour get of a URL listed twice (downloaded again from the window or over aria2)', () => {
  it('continues the newest: its deleted file is fetched again beside the older, kept one', async () => {
    const body = makeBody(40_000, 98)
    server.file('/twice.bin', body)
    const engine = await startEngine({ downloads: dirs.downloads, state: dirs.state })
    try {
      const first = await addOne(engine, { url: server.url('/twice.bin') })
      await engine.waitFor(first, ['completed'])
      const second = await addOne(engine, { url: server.url('/twice.bin'), onDuplicate: 'again' })
      await engine.waitFor(second, ['completed'])
    } finally {
      await engine.close()
    }
    await rm(join(dirs.downloads, 'twice (1).bin'))
    const rerun = await run([server.url('/twice.bin')])
    expect(rerun.stderr).toBe('')
    expect(rerun.code).toBe(0)
    expect(server.requests('/twice.bin')).toHaveLength(3)
    expect((await readdir(dirs.downloads)).sort()).toEqual(['twice (1).bin', 'twice.bin'])
    expect(await sha256File(join(dirs.downloads, 'twice (1).bin'))).toBe(sha256(body))
    // Run once more: both are there, nothing is fetched.
    const third = await run([server.url('/twice.bin')])
    expect(third.code).toBe(0)
    expect(third.stdout).toMatch(/already downloaded/)
    expect(server.requests('/twice.bin')).toHaveLength(3)
  }, 60_000)
})
