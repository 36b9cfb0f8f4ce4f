import { readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { makeBody } from '../../test/fault-server.ts'
import { sha256, sha256File } from '../../test/engine-harness.ts'
import { useCli, type CliRun } from '../../test/run-cli.ts'

// The real CLI in a child process: what it reads, what it refuses up front, what it says.
const { server, dirs, start } = useCli()

const run = (args: string[], env?: Record<string, string>, input?: string): Promise<CliRun> =>
  start(args, { env, input }).done

async function listDownloads(): Promise<string[]> {
  try {
    return (await readdir(dirs.downloads)).sort()
  } catch {
    return []
  }
}

async function writeList(name: string, content: string | Buffer): Promise<string> {
  const path = join(dirs.root, name)
  await writeFile(path, content)
  return path
}

/** A usage error: exit 2, one `downpour:` line naming the problem, nothing asked of any server. */
function expectUsageError(result: CliRun, message: RegExp): void {
  expect(result.code).toBe(28)
  expect(result.stderr).toMatch(message)
  expect(result.stderr.trim().split('\n')).toHaveLength(1)
  expect(result.stderr).not.toMatch(/\n\s+at /)
  expect(server.requests()).toEqual([])
}

describe('downpour get: option lines', () => {
  it('a URL whose option line is invalid is not downloaded; the message names the option line; the summary counts rejected lines', async () => {
    for (const name of ['ok1', 'sum', 'out', 'hdr', 'ok2'])
      server.file(`/${name}.bin`, makeBody(2000))
    const list = await writeList(
      'list.txt',
      [
        server.url('/ok1.bin'),
        server.url('/sum.bin'),
        `  checksum=sha-256=${'a'.repeat(63)}`,
        server.url('/out.bin'),
        '  out=../x',
        server.url('/hdr.bin'),
        '  header=NoColon',
        server.url('/ok2.bin'),
        'not a url',
      ].join('\n'),
    )
    const result = await run(['-i', list])
    expect(result.stderr).toContain(
      `list.txt:3: checksum= sha-256 digest must be 64 hex digits, got 63; the URL on line 2 is not downloaded`,
    )
    expect(result.stderr).toContain(
      `list.txt:5: out= must be a file name, not a path (no / or \\), got "../x"; the URL on line 4 is not downloaded`,
    )
    expect(result.stderr).toContain(
      `list.txt:7: header= must be "Name: value", got "NoColon"; the URL on line 6 is not downloaded`,
    )
    expect(result.stderr).toContain('list.txt:9: not a URL: "not a url"')
    for (const path of ['/sum.bin', '/out.bin', '/hdr.bin'])
      expect(server.requests(path)).toEqual([])
    expect(await listDownloads()).toEqual(['ok1.bin', 'ok2.bin'])
    expect(result.stdout).toContain('2 completed, 0 failed, 4 rejected')
    expect(result.code).toBe(1)
  })
})

describe('downpour get: usage errors exit 2 before anything starts', () => {
  it.each([
    ['../x', /-o\/--out must be a file name, not a path/],
    ['/etc/passwd', /-o\/--out must be a file name, not a path/],
    ['', /-o\/--out a file name cannot be empty/],
    ['...', /-o\/--out must be a file name, not dots alone/],
  ])('-o %j', async (out, message) => {
    server.file('/a.bin', makeBody(100))
    expectUsageError(await run(['-o', out, server.url('/a.bin')]), message)
    expect(await listDownloads()).toEqual([])
  })

  it('a value past the engine bounds names its flag (--timeout 7200)', async () => {
    server.file('/a.bin', makeBody(100))
    expectUsageError(await run(['--timeout', '7200', server.url('/a.bin')]), /--timeout: .*3600/)
    expect(await listDownloads()).toEqual([])
  })

  it.each([
    ['X-Evil: a\u001b[2Jb', /--header the value of X-Evil holds a control character/],
    [
      'Transfer-Encoding: chunked',
      /--header Transfer-Encoding cannot be set: it is a hop-by-hop header/,
    ],
    ['Connection: close', /--header Connection cannot be set: it is a hop-by-hop header/],
  ])('--header %j', async (header, message) => {
    server.file('/a.bin', makeBody(100))
    const result = await run(['--header', header, server.url('/a.bin')])
    expectUsageError(result, message)
    expect(result.stderr).not.toContain('\u001b')
  })

  it.each([
    [
      ['--all-proxy', 'socks5://127.0.0.1:1080'],
      {},
      /--all-proxy must be an http:\/\/ or https:\/\/ proxy URL, got "socks5:.*scheme "socks5" is not supported/,
    ],
    [
      ['--all-proxy', 'notaurl'],
      {},
      /--all-proxy must be an http:\/\/ or https:\/\/ proxy URL, got "notaurl" \(not a URL\)/,
    ],
    [
      [],
      { HTTP_PROXY: 'notaurl' },
      /HTTP_PROXY must be an http:\/\/ or https:\/\/ proxy URL, got "notaurl" \(not a URL\)/,
    ],
  ])('proxy %j %j', async (args, env, message) => {
    server.file('/a.bin', makeBody(100))
    expectUsageError(await run([...args, server.url('/a.bin')], env), message)
  })

  it('a --state-dir that is a file, or under a file, is one clear line', async () => {
    server.file('/a.bin', makeBody(100))
    const file = await writeList('state-is-a-file', 'x')
    expectUsageError(
      await run(['--state-dir', file, server.url('/a.bin')]),
      /cannot use the state folder .*state-is-a-file: a file is in the way \(it must be a folder\)/,
    )
    expectUsageError(
      await run(['--state-dir', join(file, 'below'), server.url('/a.bin')]),
      /cannot use the state folder .*below: a file is in the way/,
    )
  })

  it('--checksum with several URLs, or with -i, is refused like -o', async () => {
    const spec = `sha-256=${'0'.repeat(64)}`
    expectUsageError(
      await run(['--checksum', spec, server.url('/a'), server.url('/b')]),
      /--checksum needs exactly one URL/,
    )
    const list = await writeList('two.txt', `${server.url('/a')}\n${server.url('/b')}\n`)
    expectUsageError(
      await run(['--checksum', spec, '-i', list, server.url('/c')]),
      /--checksum needs exactly one URL/,
    )
  })
})

describe('downpour get: several lists, duplicates, encodings', () => {
  it('several -i flags: every list is read', async () => {
    server.file('/one.bin', makeBody(100, 1))
    server.file('/two.bin', makeBody(100, 2))
    const a = await writeList('a.txt', server.url('/one.bin'))
    const b = await writeList('b.txt', server.url('/two.bin'))
    const result = await run(['-i', a, '-i', b])
    expect(result.code).toBe(0)
    expect(await listDownloads()).toEqual(['one.bin', 'two.bin'])
  })

  it('the same URL twice in a list, or in a list and the arguments, is downloaded once and said to be merged', async () => {
    server.file('/same.bin', makeBody(5000))
    const list = await writeList(
      'dup.txt',
      [server.url('/same.bin'), '# again', server.url('/same.bin')].join('\n'),
    )
    const result = await run(['-i', list, server.url('/same.bin')])
    expect(result.stderr).toContain('dup.txt:3: same URL as line 1; merged')
    // Arguments come first: the list's line 1 is merged into the argument.
    expect(result.stderr).toContain(`dup.txt:1: same URL as ${server.url('/same.bin')}; merged`)
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('1 completed, 0 failed\n')
    expect(await listDownloads()).toEqual(['same.bin'])
    expect(server.requests('/same.bin').filter((r) => r.method === 'GET')).toHaveLength(1)
  })

  it('CR-only line ends are line ends: two URLs, two downloads', async () => {
    server.file('/cr1.bin', makeBody(100, 1))
    server.file('/cr2.bin', makeBody(100, 2))
    const list = await writeList('cr.txt', `${server.url('/cr1.bin')}\r${server.url('/cr2.bin')}\r`)
    const result = await run(['-i', list])
    expect(result.code).toBe(0)
    expect(await listDownloads()).toEqual(['cr1.bin', 'cr2.bin'])
  })

  it('a UTF-16 list with its BOM is read as UTF-16', async () => {
    const body = makeBody(300)
    server.file('/wide.bin', body)
    const text = `${server.url('/wide.bin')}\r\n  out=large-€é.bin\r\n`
    const list = await writeList(
      'utf16.txt',
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]),
    )
    const result = await run(['-i', list])
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(await listDownloads()).toEqual(['large-€é.bin'])
    expect(await sha256File(join(dirs.downloads, 'large-€é.bin'))).toBe(sha256(body))
  })

  it('a line with bytes that are not UTF-8 is reported with its line, never requested with U+FFFD', async () => {
    server.file('/fine.bin', makeBody(100))
    const list = await writeList(
      'latin1.txt',
      Buffer.concat([
        Buffer.from(`${server.url('/fine.bin')}\n${server.url('/caf')}`),
        Buffer.from([0xe9]),
        Buffer.from('.bin\n'),
      ]),
    )
    const result = await run(['-i', list])
    expect(result.stderr).toContain(
      'latin1.txt:2: holds bytes that are not UTF-8 (save the list as UTF-8)',
    )
    expect(server.requests().map((r) => r.path)).not.toContainEqual(
      expect.stringContaining('%EF%BF%BD'),
    )
    expect(server.requests().every((r) => r.path === '/fine.bin')).toBe(true)
    expect(await listDownloads()).toEqual(['fine.bin'])
    expect(result.code).toBe(1)
  })

  it('-i /dev/zero is refused at the 64 MB cap with a clear error', async () => {
    const result = await run(['-i', '/dev/zero'])
    expectUsageError(
      result,
      /cannot read input file \/dev\/zero: larger than 64 MB; a list of URLs is never this big/,
    )
    expect(result.stderr).not.toContain('Invalid string length')
  })
})

describe('downpour get: names from the server', () => {
  it('a raw UTF-8 Content-Disposition filename is saved under its UTF-8 name', async () => {
    const body = makeBody(1000)
    server.file('/cd', body, { contentDisposition: Buffer.from('attachment; filename="été.txt"') })
    const result = await run([server.url('/cd')])
    expect(result.code).toBe(0)
    expect(await listDownloads()).toEqual(['été.txt'])
    expect(await sha256File(join(dirs.downloads, 'été.txt'))).toBe(sha256(body))
  })
})
