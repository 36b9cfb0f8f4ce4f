import { readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { makeBody, type FaultContext, type Fault } from '../../test/fault-server.ts'
import { sha256, sha256File } from '../../test/engine-harness.ts'
import { resumeRequestProblems } from '../../test/resume-requests.ts'
import { useCli } from '../../test/run-cli.ts'
import { missingRanges, type ByteRange } from '../engine/segments/byte-ranges.ts'

// The real CLI in a child process (stdout is a pipe, not a TTY), as a user would run it.

const cli = useCli()
const { server, dirs } = cli

const start = (args: string[], input?: string) => cli.start(args, { input })
const run = (args: string[], input?: string) => start(args, input).done
const MiB = 1024 * 1024

/** Polls `condition` (a loaded machine may take long; the test's timeout bounds the wait). */
async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await condition()) return
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`timed out waiting for ${what}`)
}

/**
 * A fault that never sends a file's last byte (the response covering it stalls just before):
 * a run cannot finish before the test interrupts it, however slow the machine.
 */
const holdLastByte =
  (size: number) =>
  ({ range }: FaultContext): Fault | undefined => {
    if (range?.end !== undefined && range.end < size - 1) return undefined
    return { kind: 'stall', afterBytes: size - 1 - Math.max(0, range?.start ?? 0) }
  }

/** The ranges a download's control file lists as durable ([] while it has none). */
async function durableRanges(partPath: string): Promise<ByteRange[]> {
  try {
    return (JSON.parse(await readFile(`${partPath}.downpour`, 'utf8')) as { durable: ByteRange[] })
      .durable
  } catch {
    return []
  }
}

describe('downpour get', () => {
  it('downloads URLs, prints plain lines without a TTY, exits 0', async () => {
    const a = makeBody(200_000, 1)
    const b = makeBody(300_000, 2)
    server.file('/a.bin', a)
    server.file('/b.bin', b)
    const result = await run([server.url('/a.bin'), server.url('/b.bin')])
    expect(result.code).toBe(0)
    expect(await sha256File(join(dirs.downloads, 'a.bin'))).toBe(sha256(a))
    expect(await sha256File(join(dirs.downloads, 'b.bin'))).toBe(sha256(b))
    expect(result.stdout).toMatch(/done\s+a\.bin/)
    expect(result.stdout).toMatch(/2 completed, 0 failed/)
    expect(result.stdout).not.toContain('\u001b[')
  })

  it('exits 3 (a 404, aria2\'s "resource not found") and lists each failure with its URL and reason on stderr', async () => {
    server.file('/ok.bin', makeBody(10))
    const result = await run([server.url('/ok.bin'), server.url('/gone.bin')])
    expect(result.code).toBe(3)
    expect(result.stderr).toContain(`failed ${server.url('/gone.bin')}: server answered 404`)
    expect(await readdir(dirs.downloads)).toEqual(['ok.bin'])
  })

  it('exits 2 on an unknown option, naming it', async () => {
    const result = await run(['--no-such-flag', server.url('/x')])
    expect(result.code).toBe(28)
    expect(result.stderr).toMatch(/unknown option '--no-such-flag'/)
  })

  it('exits 2 for an unreadable input file and for -o with several URLs', async () => {
    const missing = await run(['-i', join(dirs.root, 'nope.txt')])
    expect(missing.code).toBe(28)
    expect(missing.stderr).toMatch(/cannot read input file .*nope\.txt/)
    const twoOut = await run(['-o', 'x.bin', server.url('/a'), server.url('/b')])
    expect(twoOut.code).toBe(28)
    expect(twoOut.stderr).toMatch(/-o\/--out needs exactly one URL/)
  })

  it('reads an input file: names bad lines with their reason and still downloads the good ones', async () => {
    const good = makeBody(50_000, 3)
    const named = makeBody(40_000, 4)
    server.file('/good.bin', good)
    server.file('/named.bin', named)
    const list = [
      '# my downloads',
      server.url('/good.bin'),
      '',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'not a url at all',
      server.url('/named.bin'),
      `  out=renamed.dat`,
      `  checksum=sha-256=${sha256(named)}`,
      server.url('/bogus.bin'),
      '  bogus=1',
    ].join('\n')
    await writeFile(join(dirs.root, 'list.txt'), list)
    const result = await run(['-i', join(dirs.root, 'list.txt')])
    expect(result.stderr).toMatch(/list\.txt:4: unsupported scheme "file"/)
    expect(result.stderr).toMatch(/list\.txt:5: unsupported scheme "javascript"/)
    expect(result.stderr).toMatch(/list\.txt:6: not a URL/)
    expect(result.stderr).toMatch(
      /list\.txt:11: unknown option "bogus" .*; the URL on line 10 is not downloaded/,
    )
    expect(server.requests('/bogus.bin')).toEqual([])
    expect((await readdir(dirs.downloads)).sort()).toEqual(['good.bin', 'renamed.dat'])
    expect(await sha256File(join(dirs.downloads, 'renamed.dat'))).toBe(sha256(named))
    expect(result.code).toBe(1)
  })

  it('a flag left out means its default, not what an earlier run in the folder used', async () => {
    server.file('/first.bin', makeBody(1000))
    expect((await run(['-x', '1', server.url('/first.bin')])).code).toBe(0)
    // Next run, no -x: the default (up to 8 connections) applies again.
    server.file('/second.bin', makeBody(8 * MiB, 12), { rateLimit: 2 * MiB })
    expect((await run([server.url('/second.bin')])).code).toBe(0)
    const connections = new Set(server.requests('/second.bin').map((r) => r.connectionId))
    expect(connections.size).toBeGreaterThan(1)
  })

  it("reads URLs from stdin with '-i -'", async () => {
    server.file('/stdin.bin', makeBody(1234))
    const result = await run(['-i', '-'], `${server.url('/stdin.bin')}\n`)
    expect(result.code).toBe(0)
    expect(await readdir(dirs.downloads)).toEqual(['stdin.bin'])
  })

  it('--json writes one JSON event per line on stdout', async () => {
    server.file('/j.bin', makeBody(100_000))
    const result = await run(['--json', server.url('/j.bin')])
    expect(result.code).toBe(0)
    const events = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { event: string; download?: { state: string } })
    expect(events[0]?.event).toBe('download/added')
    const states = events
      .filter((e) => e.event === 'download/changed')
      .map((e) => e.download?.state)
    expect(states.at(-1)).toBe('completed')
  })

  it('fails a download whose checksum does not match, showing both hashes', async () => {
    const body = makeBody(1000)
    server.file('/c.bin', body)
    const wrong = '0'.repeat(64)
    const result = await run(['--checksum', `sha-256=${wrong}`, server.url('/c.bin')])
    expect(result.code).toBe(32) // checksum mismatch
    expect(result.stderr).toContain(wrong)
    expect(result.stderr).toContain(sha256(body))
  })

  it('resumes after kill -9 of a segmented download, fetching only the missing ranges', async () => {
    const size = 16 * MiB
    const body = makeBody(size, 9)
    // 1 MiB/s per connection, 4 connections: about 4 MiB/s once all are open.
    server.file('/killed.bin', body, { rateLimit: MiB, fault: holdLastByte(size) })
    const first = start(['-q', '-x', '4', '-k', '1M', server.url('/killed.bin')])
    const part = join(dirs.downloads, 'killed.bin.part')
    // Killed once a checkpoint holds several connections' bytes: the rerun has holes to fill.
    await until(async () => (await durableRanges(part)).length >= 2, 'a checkpoint with holes')
    first.child.kill('SIGKILL')
    const killed = await first.done
    expect(killed.signal).toBe('SIGKILL')
    const durable = await durableRanges(part)
    const missing = missingRanges(durable, size)
    expect(missing.length).toBeGreaterThanOrEqual(2)
    const before = server.requests('/killed.bin').length
    expect(new Set(server.requests('/killed.bin').map((r) => r.connectionId)).size).toBeGreaterThan(
      1,
    )
    // What the kill cost: bytes sent after the last checkpoint (one a second) and what a loaded
    // machine had not read yet: ~3 s at the server's 4 MiB/s at most.
    const durableBytes = durable.reduce((sum, r) => sum + r.end - r.start, 0)
    expect(server.bytesServed('/killed.bin') - durableBytes).toBeLessThanOrEqual(3 * 4 * MiB)
    server.file('/killed.bin', body)
    const second = await run(['-q', server.url('/killed.bin')])
    expect(second.code).toBe(0)
    expect(await sha256File(join(dirs.downloads, 'killed.bin'))).toBe(sha256(body))
    // The rerun continued where the file has holes, asked for each once, as the planner plans
    // (default split size 1 MiB): nothing durable was fetched again.
    const resumed = server.requests('/killed.bin').slice(before)
    expect(resumed[0]?.range?.start).toBe(missing[0]!.start)
    expect(resumeRequestProblems(resumed, missing, size, MiB)).toEqual([])
    expect(await readdir(dirs.downloads)).toEqual(['killed.bin'])
  })

  it('Ctrl-C while a long list is still being added pauses cleanly too', async () => {
    server.file('/hold', makeBody(MiB, 4), { rateLimit: 64 * 1024 })
    const list = join(dirs.downloads, '..', 'long-list.txt')
    const urls = Array.from({ length: 60_000 }, (_, i) => server.url(`/hold?i=${i}`))
    await writeFile(list, urls.join('\n') + '\n')
    const first = start(['-j', '2', '-i', list])
    // The first downloads start after the first chunk of the list, long before the last.
    await until(() => server.requests('/hold').length > 0, 'the first request')
    first.child.kill('SIGINT')
    const interrupted = await first.done
    // Before, the signal handler came after the whole list was added: the process died.
    expect(interrupted.code).toBe(130)
    expect(interrupted.stderr).toMatch(/interrupted/)
  }, 120_000)

  it('Ctrl-C pauses cleanly (exit 130, partial data kept) and the rerun resumes', async () => {
    const size = 4 * MiB
    const body = makeBody(size, 10)
    server.file('/int.bin', body, { rateLimit: 2 * MiB, fault: holdLastByte(size) })
    const first = start([server.url('/int.bin')])
    await until(() => server.bytesServed('/int.bin') > 512 * 1024, 'the first 512 KiB')
    first.child.kill('SIGINT')
    const interrupted = await first.done
    expect(interrupted.code).toBe(130)
    expect(interrupted.stderr).toMatch(/interrupted; partial data kept/)
    expect((await readdir(dirs.downloads)).sort()).toEqual([
      'int.bin.part',
      'int.bin.part.downpour',
    ])
    const missing = missingRanges(await durableRanges(join(dirs.downloads, 'int.bin.part')), size)
    expect(missing[0]!.start).toBeGreaterThan(0)
    const before = server.requests('/int.bin').length
    server.file('/int.bin', body)
    const second = await run([server.url('/int.bin')])
    expect(second.code).toBe(0)
    expect(await sha256File(join(dirs.downloads, 'int.bin'))).toBe(sha256(body))
    // Resumed: only what the pause had not kept, each range asked for once.
    expect(
      resumeRequestProblems(server.requests('/int.bin').slice(before), missing, size, MiB),
    ).toEqual([])
  })
})
