import { spawnSync } from 'node:child_process'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { makeBody } from '../../test/fault-server.ts'
import { makeDirs } from '../../test/engine-harness.ts'
import { startCli, useCli } from '../../test/run-cli.ts'

// The real CLI against the fault server: the exit code names the cause (aria2c's numbers), a
// permanent failure is tried once, and aria2's spellings are understood.

const { server, dirs, onTeardown, start } = useCli()
const run = (args: string[]) => start(args).done

describe('downpour get exit codes', () => {
  it('404 exits 3 (resource not found) after one request: a 404 is not retried', async () => {
    const result = await run([server.url('/missing.bin')])
    expect(result.code).toBe(3)
    expect(server.requests('/missing.bin')).toHaveLength(1)
    expect(result.stderr).toMatch(/404/)
  })

  it('401 without credentials exits 24 (authorization failed), not retried', async () => {
    server.file('/secret.bin', makeBody(1000, 1), {
      fault: () => ({ kind: 'status', status: 401, headers: { 'www-authenticate': 'Basic' } }),
    })
    const result = await run([server.url('/secret.bin')])
    expect(result.code).toBe(24)
    expect(server.requests('/secret.bin')).toHaveLength(1)
  })

  it('a host that does not exist exits 19 with no retry', async () => {
    // .invalid never resolves (RFC 6761).
    const result = await run(['-m', '5', 'http://nonexistent.invalid/f.bin'])
    expect(result.code).toBe(19)
    expect(result.stderr).toMatch(/nonexistent\.invalid.*not found/)
    expect(result.stdout).not.toMatch(/retrying/)
    expect(result.stderr).not.toMatch(/retrying/)
  })

  it('failures of different causes exit with the code of the last one to fail', async () => {
    server.file('/auth.bin', makeBody(1000, 2), {
      fault: () => ({ kind: 'status', status: 401 }),
    })
    // -j 1: one after the other, in the order given.
    const authLast = await run(['-j', '1', server.url('/gone.bin'), server.url('/auth.bin')])
    expect(authLast.code).toBe(24)
    const fresh = await makeDirs()
    onTeardown(() => fresh.cleanup())
    const notFoundLast = await startCli(
      ['-j', '1', server.url('/auth.bin'), server.url('/gone.bin')],
      { downloads: fresh.downloads, state: fresh.state },
    ).done
    expect(notFoundLast.code).toBe(3)
  })

  it('a retried failure shows its reason; a transient one that recovers exits 0', async () => {
    let tries = 0
    server.file('/busy.bin', makeBody(1000, 3), {
      fault: () => (tries++ === 0 ? { kind: 'status', status: 503 } : undefined),
    })
    const result = await run([server.url('/busy.bin')])
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/retrying\s+busy\.bin \(try 1\): server answered 503/)
  })

  it('SIGTERM exits 143 (cli.test.ts has Ctrl-C: 130) and says it was interrupted', async () => {
    server.file('/slow.bin', makeBody(4 * 1024 * 1024, 4), { rateLimit: 64 * 1024 })
    const first = start([server.url('/slow.bin')])
    for (let i = 0; i < 500 && server.bytesServed('/slow.bin') === 0; i++)
      await new Promise((r) => setTimeout(r, 50))
    first.child.kill('SIGTERM')
    const result = await first.done
    expect(result.code).toBe(143)
    expect(result.stderr).toMatch(/interrupted/)
  }, 60_000)
})

describe("aria2's habits", () => {
  const CLI = join(import.meta.dirname, '..', '..', 'bin', 'downpour.mjs')

  it('a URL without a command suggests `downpour get URL` (exit 28, bad usage)', () => {
    const url = server.url('/a.bin')
    const result = spawnSync(process.execPath, [CLI, url], { encoding: 'utf8' })
    expect(result.status).toBe(28)
    expect(result.stderr).toContain(`to download it: downpour get ${url}`)
    expect(server.requests()).toHaveLength(0)
  })

  it('--quiet=true is quiet, --quiet=false is not, --quiet=maybe is refused', async () => {
    server.file('/q.bin', makeBody(1000, 5))
    const quiet = await run(['--quiet=true', server.url('/q.bin')])
    expect(quiet.code).toBe(0)
    expect(quiet.stdout).toBe('')
    const loud = await run(['--quiet=false', server.url('/q.bin')])
    expect(loud.code).toBe(0)
    expect(loud.stdout).toMatch(/already downloaded|completed/)
    const bad = await run(['--quiet=maybe', server.url('/q.bin')])
    expect(bad.code).toBe(28)
    expect(bad.stderr).toMatch(/--quiet takes true or false/)
  })

  it('--max-connection-per-server is -x', async () => {
    const size = 4 * 1024 * 1024
    server.file('/x.bin', makeBody(size, 6), { rateLimit: 512 * 1024 })
    const result = await run(['--max-connection-per-server=2', '-k', '1M', server.url('/x.bin')])
    expect(result.code).toBe(0)
    expect(server.maxConcurrentRequests('/x.bin')).toBe(2)
    const bad = await run(['--max-connection-per-server', '99', server.url('/x.bin')])
    expect(bad.code).toBe(28)
    expect(bad.stderr).toMatch(/max-connections-per-download.*1 to 32/)
  })

  it('--help lists the exit codes and the defaults of -x and -k', () => {
    const result = spawnSync(process.execPath, [CLI, 'get', '--help'], { encoding: 'utf8' })
    expect(result.status).toBe(0)
    expect(result.stdout).toMatch(/-x, --max-connections-per-download.*default: \d+/)
    expect(result.stdout).toMatch(/-k, --min-split-size.*default: [\d.]+ [KM]iB/)
    for (const code of ['3 ', '19 ', '24 ', '130 ', '143 ']) expect(result.stdout).toContain(code)
    expect(result.stdout).toMatch(/19\s+name resolution failed/)
    expect(result.stdout).toMatch(/28\s+bad usage/)
  })

  it('--help lists the environment variables it reads', () => {
    const result = spawnSync(process.execPath, [CLI, 'get', '--help'], { encoding: 'utf8' })
    expect(result.status).toBe(0)
    const environment = result.stdout.slice(result.stdout.indexOf('Environment:'))
    for (const name of ['DOWNPOUR_STATE_DIR', 'XDG_STATE_HOME', 'HTTP_PROXY', 'NO_PROXY'])
      expect(environment).toContain(name)
  })

  it("aria2's -s/--split caps a download's connections (the smaller of -s and -x applies)", async () => {
    const size = 2 * 1024 * 1024
    server.file('/s.bin', makeBody(size, 7), { rateLimit: 512 * 1024 })
    const result = await run(['--split=2', '-k', '512K', server.url('/s.bin')])
    expect(result.code).toBe(0)
    expect(server.maxConcurrentRequests('/s.bin')).toBe(2)
    server.file('/t.bin', makeBody(size, 8), { rateLimit: 512 * 1024 })
    const both = await run(['-s', '4', '-x', '1', '-k', '512K', server.url('/t.bin')])
    expect(both.code).toBe(0)
    expect(server.maxConcurrentRequests('/t.bin')).toBe(1)
  })

  it("aria2's long names --dir=, --out= and --continue=true are accepted", async () => {
    server.file('/l.bin', makeBody(3000, 9))
    const other = join(dirs.root, 'elsewhere')
    const result = await run([
      `--dir=${other}`,
      '--out=named.bin',
      '--continue=true',
      server.url('/l.bin'),
    ])
    expect(result.code).toBe(0)
    expect(await readdir(other)).toEqual(['named.bin'])
  })

  it('bad usage exits 28, as aria2c does (2 is a timeout in that table)', async () => {
    const result = await run(['--no-such-option', server.url('/a.bin')])
    expect(result.code).toBe(28)
    expect(server.requests()).toHaveLength(0)
  })
})
