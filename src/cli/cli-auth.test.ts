import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { beforeEach, describe, expect, it } from 'vitest'
import { makeBody } from '../../test/fault-server.ts'
import { sha256, sha256File } from '../../test/engine-harness.ts'
import { useCli } from '../../test/run-cli.ts'

// Credentials, cookies and the referer, with the real CLI against the fault server: what is
// sent, and that no secret reaches the terminal or the --json output.

const cli = useCli()
const { server, dirs } = cli
const body = makeBody(20_000, 60)
const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`

beforeEach(async () => {
  await mkdir(dirs.root, { recursive: true })
  // Answers 401 unless the request carries alice's password.
  server.file('/secret.bin', body, {
    fault: ({ req }) =>
      req.headers.authorization === basic('alice', 's3cr3t pass')
        ? undefined
        : { kind: 'status', status: 401 },
  })
})

const run = (args: string[], env: Record<string, string> = {}) =>
  cli.start(args, { env: { HOME: dirs.root, ...env } }).done

describe('HTTP authentication', () => {
  it('without credentials: 401, exit 24', async () => {
    const result = await run([server.url('/secret.bin')])
    expect(result.code).toBe(24)
  })

  it('--http-user/--http-passwd: sent as Basic, never printed, not in --json', async () => {
    const result = await run([
      '--json',
      '--http-user',
      'alice',
      '--http-passwd',
      's3cr3t pass',
      server.url('/secret.bin'),
    ])
    expect(result.code).toBe(0)
    expect(await sha256File(join(dirs.downloads, 'secret.bin'))).toBe(sha256(body))
    const printed = result.stdout + result.stderr
    expect(printed).not.toContain('s3cr3t')
    expect(printed).not.toContain(Buffer.from('alice:s3cr3t pass').toString('base64'))
  })

  it('~/.netrc gives the host its login; --no-netrc does not read it', async () => {
    await writeFile(
      join(dirs.root, '.netrc'),
      `machine other.example login bob password nope\nmachine 127.0.0.1\n  login alice\n  password "s3cr3t pass"\n`,
    )
    const withNetrc = await run([server.url('/secret.bin')])
    expect(withNetrc.code).toBe(0)
    expect(await sha256File(join(dirs.downloads, 'secret.bin'))).toBe(sha256(body))
    const without = await run(['--no-netrc', '-o', 'again.bin', server.url('/secret.bin')])
    expect(without.code).toBe(24)
  })

  it('--netrc-path names another file; one that cannot be read is bad usage', async () => {
    const path = join(dirs.root, 'creds')
    await writeFile(path, 'default login alice password "s3cr3t pass"\n')
    expect((await run(['--netrc-path', path, server.url('/secret.bin')])).code).toBe(0)
    const missing = await run(['--netrc-path', join(dirs.root, 'none'), server.url('/secret.bin')])
    expect(missing.code).toBe(28)
    expect(missing.stderr).toContain(`cannot read the netrc file ${join(dirs.root, 'none')}`)
  })
})

describe('--load-cookies and --referer', () => {
  it('sends the cookies of the URL and the referer', async () => {
    server.file('/c.bin', body)
    const cookies = join(dirs.root, 'cookies.txt')
    await writeFile(
      cookies,
      [
        '# Netscape HTTP Cookie File',
        '127.0.0.1\tFALSE\t/\tFALSE\t0\tsession\tabc',
        '#HttpOnly_127.0.0.1\tFALSE\t/c.bin\tFALSE\t0\tonly\there',
        '127.0.0.1\tFALSE\t/other\tFALSE\t0\telsewhere\tno',
        '127.0.0.1\tFALSE\t/\tTRUE\t0\tsecure\tno',
        '127.0.0.1\tFALSE\t/\tFALSE\t1\texpired\tno',
        'example.com\tTRUE\t/\tFALSE\t0\tforeign\tno',
      ].join('\n'),
    )
    const result = await run([
      '--load-cookies',
      cookies,
      '--referer',
      'https://example.com/page',
      server.url('/c.bin'),
    ])
    expect(result.code).toBe(0)
    const sent = server.requests('/c.bin')[0]!.headers
    expect(sent.cookie).toBe('session=abc; only=here')
    expect(sent.referer).toBe('https://example.com/page')
  })

  it('a cookies file with a bad line is bad usage naming the line', async () => {
    const cookies = join(dirs.root, 'cookies.txt')
    await writeFile(cookies, '127.0.0.1 FALSE / FALSE 0 a b\n')
    const result = await run(['--load-cookies', cookies, server.url('/c.bin')])
    expect(result.code).toBe(28)
    expect(result.stderr).toContain('line 1: expected 7 TAB-separated fields')
  })
})
