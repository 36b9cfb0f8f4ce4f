import { readdir, writeFile } from 'node:fs/promises'
import { gzipSync } from 'node:zlib'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { makeBody } from '../../test/fault-server.ts'
import { sha256, sha256File } from '../../test/engine-harness.ts'
import { useCli } from '../../test/run-cli.ts'

// The real CLI in a child process: what it prints must be safe to show and true.
const { server, dirs, start } = useCli()
const KiB = 1024

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (condition()) return
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`timed out waiting for ${what}`)
}

// eslint-disable-next-line no-control-regex
const ACTIVE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/

describe('downpour get: what it prints', () => {
  it('untrusted input lines are escaped: no escape sequence, BEL or bidi override reaches the terminal', async () => {
    server.file('/ok.bin', makeBody(100))
    const list = join(dirs.root, 'evil.txt')
    await writeFile(
      list,
      [
        server.url('/ok.bin'),
        '\u001b]0;pwned\u0007\u001b[2J',
        'photo\u202egnp.exe',
        server.url('/ok.bin?x'),
        '  out=\u001b[31mred',
      ].join('\n'),
    )
    const result = await start(['-i', list]).done
    expect(result.stderr).not.toMatch(ACTIVE)
    expect(result.stdout).not.toMatch(ACTIVE)
    expect(result.stderr).toContain('evil.txt:2: not a URL: "\\u001b]0;pwned\\u0007\\u001b[2J"')
    expect(result.stderr).toContain('evil.txt:3: not a URL: "photo\\u202egnp.exe"')
    expect(result.stderr).toContain(
      'evil.txt:5: out= a file name cannot hold control characters, got "\\x1b[31mred"',
    )
    expect(result.code).toBe(1)
  })

  it('an unknown option is quoted escaped in the usage error', async () => {
    const result = await start(['--bad\u001b]0;pwned\u0007']).done
    expect(result.code).toBe(28)
    expect(result.stderr).not.toMatch(ACTIVE)
    expect(result.stderr).toContain("unknown option '--bad\\x1b]0;pwned\\x07'")
  })

  it('a closed stdout (--json URL | head -1) neither crashes nor loses the download', async () => {
    const body = makeBody(1024 * KiB, 5)
    server.file('/pipe.bin', body, { rateLimit: 256 * KiB })
    const run = start(['--json', server.url('/pipe.bin')])
    // Like `head -1`: read the first line, then close the pipe while the download goes on.
    await new Promise<void>((resolve) => run.child.stdout!.once('data', () => resolve()))
    run.child.stdout!.destroy()
    const result = await run.done
    expect(result.stderr).not.toMatch(/EPIPE|Error|\n\s+at /)
    expect(result.code).toBe(0)
    expect(await readdir(dirs.downloads)).toEqual(['pipe.bin'])
    expect(await sha256File(join(dirs.downloads, 'pipe.bin'))).toBe(sha256(body))
  })

  it('after stdout closes, Ctrl-C still pauses with the queue saved, and the rerun resumes into the same file', async () => {
    const body = makeBody(4096 * KiB, 9)
    server.file('/pipe2.bin', body, { rateLimit: 256 * KiB })
    const run = start(['--json', server.url('/pipe2.bin')])
    await new Promise<void>((resolve) => run.child.stdout!.once('data', () => resolve()))
    run.child.stdout!.destroy()
    // Progress beats keep being written (every 250 ms) into the closed pipe meanwhile.
    await until(() => server.bytesServed('/pipe2.bin') > 512 * KiB, 'bytes after the pipe closed')
    run.child.kill('SIGINT')
    const first = await run.done
    expect(first.stderr).not.toMatch(/EPIPE|Error|\n\s+at /)
    expect(first.code).toBe(130)
    const servedBefore = server.requests('/pipe2.bin').length
    server.file('/pipe2.bin', body)
    const second = await start([server.url('/pipe2.bin')]).done
    expect(second.code).toBe(0)
    expect(await readdir(dirs.downloads)).toEqual(['pipe2.bin'])
    expect(await sha256File(join(dirs.downloads, 'pipe2.bin'))).toBe(sha256(body))
    expect(server.requests('/pipe2.bin')[servedBefore]?.range?.start).toBeGreaterThan(0)
  })

  it('Ctrl-C against a server without ranges says the download cannot resume, not that it will', async () => {
    server.file('/norange.bin', makeBody(8192 * KiB, 6), {
      acceptRanges: false,
      acceptRangesHeader: 'none',
      rateLimit: 256 * KiB,
    })
    const run = start([server.url('/norange.bin')])
    await until(() => server.bytesServed('/norange.bin') > 100 * KiB, 'the first bytes')
    run.child.kill('SIGINT')
    const result = await run.done
    expect(result.code).toBe(130)
    expect(result.stderr).toContain(
      'downpour: cannot resume norange.bin: the server does not support ranges; running the same command again starts it over',
    )
    expect(result.stderr).not.toContain('resume\n')
    expect(result.stderr).not.toMatch(/partial data kept/)
  })

  it('the engine logs the same warning when such a download is paused (--json)', async () => {
    server.file('/norange.bin', makeBody(8192 * KiB, 7), {
      acceptRanges: false,
      acceptRangesHeader: 'none',
      rateLimit: 256 * KiB,
    })
    const run = start(['--json', server.url('/norange.bin')])
    await until(() => server.bytesServed('/norange.bin') > 100 * KiB, 'the first bytes')
    run.child.kill('SIGINT')
    const result = await run.done
    expect(result.code).toBe(130)
    const events = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { event: string; level?: string; message?: string })
    expect(events).toContainEqual(
      expect.objectContaining({
        event: 'log/entry',
        level: 'warn',
        message: 'norange.bin: cannot resume: the server does not support ranges',
      }),
    )
  })

  it('a download saved compressed as sent is warned about as it happens and in the final summary', async () => {
    const body = makeBody(20 * KiB, 8)
    const gz = gzipSync(body)
    server.handle('/gz.bin', (_req, res) => {
      res.writeHead(200, { 'Content-Encoding': 'gzip', 'Content-Length': gz.length })
      res.end(gz)
    })
    const result = await start([server.url('/gz.bin')]).done
    expect(result.code).toBe(0)
    const warning =
      'warning   gz.bin: server sent Content-Encoding "gzip" although identity was asked; saving the bytes as sent'
    const lines = result.stdout.trim().split('\n')
    // Once while it happened, once in the summary just above the counts.
    expect(lines.filter((l) => l === warning)).toHaveLength(2)
    expect(lines.slice(-2)).toEqual([warning, '1 completed, 0 failed'])
  })

  it('a failed download from a server without ranges is named as not resumable in the summary', async () => {
    server.file('/nr.bin', makeBody(200 * KiB, 10), {
      acceptRanges: false,
      acceptRangesHeader: 'none',
      fault: () => ({ kind: 'close', afterBytes: 50 * KiB }),
    })
    const result = await start(['-m', '1', server.url('/nr.bin')]).done
    expect(result.code).toBe(6) // aria2: network problem (the connection closed early)
    expect(result.stdout.trim().split('\n').slice(-2)).toEqual([
      'warning   nr.bin: not resumable: the server does not support ranges, so pausing or a lost connection starts it over',
      '0 completed, 1 failed',
    ])
  })
})
