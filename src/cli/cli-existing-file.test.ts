import { spawn, spawnSync } from 'node:child_process'
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { beforeEach, describe, expect, it } from 'vitest'
import { makeBody } from '../../test/fault-server.ts'
import { sha256, sha256File } from '../../test/engine-harness.ts'
import { useCli } from '../../test/run-cli.ts'
import {
  missingServer,
  startRealServer,
  type RealServerName,
} from '../../test/real-http-servers.ts'

// What `downpour get` does with a file already at a download's name: the real CLI in a child
// process, against the fault server and Debian's nginx and lighttpd, beside wget's and aria2c's
// own partial files.

const cli = useCli()
const { server, dirs } = cli

beforeEach(async () => {
  await mkdir(dirs.downloads, { recursive: true })
})

const start = (args: string[]) => cli.start(args)
const run = (args: string[]) => start(args).done
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const listing = async () => (await readdir(dirs.downloads)).sort()

function installed(command: string): string | null {
  const probe = spawnSync(command, ['--version'], { stdio: 'ignore' })
  return probe.error ? `${command} is not installed` : null
}

describe('a list run again after it completed', () => {
  it('skips the complete files (one byte each asked for), retries the failure, makes no copies', async () => {
    const bodies = [makeBody(300_000, 1), makeBody(1000, 2), makeBody(70_000, 3)]
    bodies.forEach((body, i) => server.file(`/r${i}.bin`, body))
    const list = join(dirs.root, 'list.txt')
    await writeFile(
      list,
      [...bodies.map((_, i) => server.url(`/r${i}.bin`)), server.url('/missing.bin')].join('\n'),
    )
    const first = await run(['-i', list])
    expect(first.code).toBe(3) // the 404
    const second = await run(['-i', list])
    expect(second.code).toBe(3)
    expect(await listing()).toEqual(['r0.bin', 'r1.bin', 'r2.bin'])
    for (const [i, body] of bodies.entries()) {
      expect(second.stdout).toContain(`done      r${i}.bin (already downloaded)`)
      expect(await sha256File(join(dirs.downloads, `r${i}.bin`))).toBe(sha256(body))
      const requests = server.requests(`/r${i}.bin`)
      expect(requests).toHaveLength(2)
      // The rerun asked for the last byte only, and got it: the file's size proved it complete.
      expect(requests[1]!.headers.range).toBe(`bytes=${body.length - 1}-${body.length - 1}`)
      expect(requests[1]!.bytesServed).toBe(1)
    }
    // The failure was tried again.
    expect(server.requests('/missing.bin')).toHaveLength(2)
  })
})

describe('-o NAME where a file of that name exists', () => {
  const body = makeBody(50_000, 10)
  beforeEach(async () => {
    server.file('/k.bin', body)
    await writeFile(join(dirs.downloads, 'keep.bin'), 'old\n')
  })

  it('by default saves beside it as "keep (1).bin" and says so', async () => {
    const result = await run(['-o', 'keep.bin', server.url('/k.bin')])
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(
      /keep\.bin exists \(4 bytes, the server's file has 50000\); saving as keep \(1\)\.bin/,
    )
    expect(await listing()).toEqual(['keep (1).bin', 'keep.bin'])
    expect(await readFile(join(dirs.downloads, 'keep.bin'), 'utf8')).toBe('old\n')
    expect(await sha256File(join(dirs.downloads, 'keep (1).bin'))).toBe(sha256(body))
  })

  it('--auto-file-renaming=false: an error naming the file, exit 13, nothing written', async () => {
    const result = await run(['-o', 'keep.bin', '--auto-file-renaming=false', server.url('/k.bin')])
    expect(result.code).toBe(13) // aria2: the file already existed
    expect(result.stderr).toContain(`${join(dirs.downloads, 'keep.bin')} already exists`)
    expect(await listing()).toEqual(['keep.bin'])
    expect(await readFile(join(dirs.downloads, 'keep.bin'), 'utf8')).toBe('old\n')
  })

  it.each([['--allow-overwrite'], ['--allow-overwrite=true']])('%s replaces it', async (flag) => {
    const result = await run(['-o', 'keep.bin', flag, server.url('/k.bin')])
    expect(result.code).toBe(0)
    expect(await listing()).toEqual(['keep.bin'])
    expect(await sha256File(join(dirs.downloads, 'keep.bin'))).toBe(sha256(body))
  })

  it('a file of the same size but not the --checksum given is not "already downloaded"', async () => {
    const other = makeBody(50_000, 11)
    await writeFile(join(dirs.downloads, 'keep.bin'), other)
    const result = await run([
      '-o',
      'keep.bin',
      '--checksum',
      `sha-256=${sha256(body)}`,
      server.url('/k.bin'),
    ])
    expect(result.code).toBe(0)
    expect(result.stdout).not.toMatch(/already downloaded/)
    expect(result.stdout).toMatch(/has the server's size but sha-256 [0-9a-f]{64}, not the/)
    expect(await sha256File(join(dirs.downloads, 'keep.bin'))).toBe(sha256(other))
    expect(await sha256File(join(dirs.downloads, 'keep (1).bin'))).toBe(sha256(body))
  })
})

describe('-c/--continue', () => {
  it('a complete file: "already downloaded", no byte sent (416 for a range from its end)', async () => {
    const body = makeBody(200_000, 20)
    server.file('/c.bin', body)
    await writeFile(join(dirs.downloads, 'c.bin'), body)
    const result = await run(['-c', server.url('/c.bin')])
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('done      c.bin (already downloaded)')
    expect(server.requests('/c.bin').map((r) => [r.headers.range, r.status])).toEqual([
      [`bytes=${body.length}-`, 416],
    ])
  })

  it("a file longer than the server's is kept and the download saved beside it", async () => {
    const body = makeBody(10_000, 21)
    server.file('/c.bin', body)
    await writeFile(join(dirs.downloads, 'c.bin'), makeBody(20_000, 22))
    const result = await run(['--continue=true', server.url('/c.bin')])
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/c\.bin exists \(20000 bytes, the server's file has 10000\)/)
    expect(await listing()).toEqual(['c (1).bin', 'c.bin'])
    expect(await sha256File(join(dirs.downloads, 'c (1).bin'))).toBe(sha256(body))
  })

  const wgetMissing = installed('wget')
  if (wgetMissing) console.warn(`cli-existing-file.test.ts: skipping the wget case: ${wgetMissing}`)
  it.skipIf(wgetMissing !== null)(
    "continues wget's partial file with a Range from its end",
    async () => {
      const body = makeBody(3 * 1024 * 1024, 23)
      server.file('/w.bin', body, { rateLimit: 512 * 1024 })
      const wget = spawn('wget', ['-q', '-O', join(dirs.downloads, 'w.bin'), server.url('/w.bin')])
      for (let i = 0; i < 400; i++) {
        const size = await stat(join(dirs.downloads, 'w.bin')).then(
          (s) => s.size,
          () => 0,
        )
        if (size >= 256 * 1024) break
        await sleep(25)
      }
      const exited = new Promise((resolve) => wget.once('exit', resolve))
      wget.kill('SIGKILL')
      await exited
      const held = (await stat(join(dirs.downloads, 'w.bin'))).size
      expect(held).toBeGreaterThan(0)
      expect(held).toBeLessThan(body.length)
      server.file('/w.bin', body) // full speed for the rest
      const result = await run(['-c', server.url('/w.bin')])
      expect(result.code).toBe(0)
      expect(result.stdout).toMatch(
        new RegExp(`continuing w\\.bin from byte ${held} of ${body.length}`),
      )
      expect(await listing()).toEqual(['w.bin'])
      expect(await sha256File(join(dirs.downloads, 'w.bin'))).toBe(sha256(body))
      const ours = server.requests('/w.bin').slice(1)
      // A range from its end first, then only missing bytes: never the whole file again.
      expect(ours[0]!.headers.range).toBe(`bytes=${held}-`)
      expect(ours.every((r) => r.headers.range !== undefined && r.status === 206)).toBe(true)
      expect(ours.reduce((n, r) => n + r.bytesServed, 0)).toBe(body.length - held)
    },
    60_000,
  )

  const aria2Missing = installed('aria2c')
  if (aria2Missing)
    console.warn(`cli-existing-file.test.ts: skipping the aria2 case: ${aria2Missing}`)
  it.skipIf(aria2Missing !== null)(
    "continues aria2c's partial file from the pieces its .aria2 control file lists",
    async () => {
      const body = makeBody(4 * 1024 * 1024, 24)
      server.file('/a.bin', body, { rateLimit: 1024 * 1024 })
      const aria2 = spawn(
        'aria2c',
        ['-q', '-x1', '-d', dirs.downloads, '--auto-save-interval=1', server.url('/a.bin')],
        { stdio: 'ignore' },
      )
      const control = join(dirs.downloads, 'a.bin.aria2')
      // Interrupted (aria2 saves its control file as it exits) once it holds a few pieces.
      for (let i = 0; i < 400; i++) {
        const served = server.requests('/a.bin').reduce((n, r) => n + r.bytesServed, 0)
        if (served >= 1536 * 1024) break
        await sleep(25)
      }
      const exited = new Promise((resolve) => aria2.once('exit', resolve))
      aria2.kill('SIGINT')
      await exited
      expect((await stat(control)).size).toBeGreaterThan(0)
      const before = server.requests('/a.bin').length
      server.file('/a.bin', body)
      const result = await run(['-c', server.url('/a.bin')])
      expect(result.code).toBe(0)
      expect(result.stdout).toMatch(/continuing aria2's a\.bin \(\d+ of 4194304 bytes\)/)
      expect(await listing()).toEqual(['a.bin'])
      expect(await sha256File(join(dirs.downloads, 'a.bin'))).toBe(sha256(body))
      const ours = server.requests('/a.bin').slice(before)
      const held = Number(/continuing aria2's a\.bin \((\d+) of/.exec(result.stdout)![1])
      expect(held).toBeGreaterThan(0)
      // After the first answer (which told the size and was dropped), only missing ranges.
      expect(ours.slice(1).every((r) => r.headers.range !== undefined)).toBe(true)
      expect(ours.slice(1).reduce((n, r) => n + r.bytesServed, 0)).toBe(body.length - held)
    },
    60_000,
  )
})

const SERVERS: RealServerName[] = ['nginx', 'lighttpd', 'apache']
for (const name of SERVERS) {
  const missing = missingServer(name)
  if (missing) console.warn(`cli-existing-file.test.ts: skipping the ${name} cases: ${missing}`)
  describe.skipIf(missing !== null)(`-c and reruns against ${name}`, () => {
    it('continues a partial file from its end and skips a complete one', async () => {
      const www = join(dirs.root, 'www')
      await mkdir(www)
      const big = makeBody(5 * 1024 * 1024, 30)
      const small = makeBody(40_000, 31)
      await writeFile(join(www, 'big.bin'), big)
      await writeFile(join(www, 'small.bin'), small)
      const real = await startRealServer(name, www, join(dirs.root, name))
      try {
        const held = 1234567
        await writeFile(join(dirs.downloads, 'big.bin'), big.subarray(0, held))
        await writeFile(join(dirs.downloads, 'small.bin'), small)
        const result = await run(['-c', real.url('/big.bin'), real.url('/small.bin')])
        expect(result.code, result.stdout + result.stderr).toBe(0)
        expect(result.stdout).toContain('done      small.bin (already downloaded)')
        expect(await listing()).toEqual(['big.bin', 'small.bin'])
        expect(await sha256File(join(dirs.downloads, 'big.bin'))).toBe(sha256(big))
        expect(await sha256File(join(dirs.downloads, 'small.bin'))).toBe(sha256(small))
        await real.stop() // lighttpd writes its access log as it stops
        const bigRequests = await real.requests('/big.bin')
        expect(bigRequests[0]).toMatchObject({ range: `bytes=${held}-`, status: 206 })
        expect(bigRequests.every((r) => r.range !== null && r.status === 206)).toBe(true)
        // nginx's 416 gives the total; lighttpd's and Apache's do not (no Content-Range), and
        // the last byte is asked for.
        expect(await real.requests('/small.bin')).toEqual([
          { method: 'GET', path: '/small.bin', range: `bytes=${small.length}-`, status: 416 },
          ...(name !== 'nginx'
            ? [
                {
                  method: 'GET',
                  path: '/small.bin',
                  range: `bytes=${small.length - 1}-${small.length - 1}`,
                  status: 206,
                },
              ]
            : []),
        ])
      } finally {
        await real.stop()
      }
    }, 60_000)
  })
}

describe('-o - (stdout)', () => {
  it('writes the body to stdout, messages to stderr, and nothing to the folder', async () => {
    const body = makeBody(300_000, 50)
    // Cut once after 100,000 bytes: the rest comes with a Range, stdout gets each byte once.
    server.file('/s.bin', body, {
      fault: ({ attempt }) => (attempt === 1 ? { kind: 'close', afterBytes: 100_000 } : undefined),
    })
    const child = start(['-o', '-', server.url('/s.bin')]).child
    const chunks: Buffer[] = []
    child.stdout!.removeAllListeners('data')
    child.stdout!.on('data', (d: Buffer) => chunks.push(d))
    const code = await new Promise((resolve) => child.on('close', resolve))
    expect(code).toBe(0)
    expect(sha256(Buffer.concat(chunks))).toBe(sha256(body))
    expect(server.requests('/s.bin').at(-1)?.headers.range).toBe('bytes=100000-')
    expect(await readdir(dirs.downloads)).toEqual([])
  })

  it('a failure is one line on stderr with its exit code; two URLs are refused', async () => {
    const missing = await run(['-o', '-', server.url('/none.bin')])
    expect(missing.code).toBe(3)
    expect(missing.stdout).toBe('')
    expect(missing.stderr).toMatch(/failed .*none\.bin: server answered 404/)
    const two = await run(['-o', '-', server.url('/a'), server.url('/b')])
    expect(two.code).toBe(28)
    expect(two.stderr).toContain('-o - (write to stdout) needs exactly one URL')
  })
})
