import { mkdir, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { makeBody } from '../../test/fault-server.ts'
import { useCli } from '../../test/run-cli.ts'

// aria2's configuration file, read as aria2c reads it: ~/.aria2/aria2.conf (HOME is this test's
// folder), or --conf-path; what Downpour has is applied, the rest reported by line.
const { server, dirs, start } = useCli()

async function homeWithConf(lines: string[]): Promise<string> {
  const home = join(dirs.root, 'home')
  await mkdir(join(home, '.aria2'), { recursive: true })
  await writeFile(join(home, '.aria2', 'aria2.conf'), lines.join('\n'))
  return home
}

describe('downpour get and aria2.conf', () => {
  it('~/.aria2/aria2.conf: its header= and quiet=true apply, enable-rpc is reported with its line', async () => {
    server.file('/c.bin', makeBody(2000, 1))
    const home = await homeWithConf([
      '# mine',
      'header=X-From-Conf: yes',
      'enable-rpc=true',
      'quiet=true',
    ])
    const result = await start([server.url('/c.bin')], { env: { HOME: home } }).done
    expect(result.code).toBe(0)
    expect(result.stdout).toBe('')
    expect(result.stderr).toContain(
      `downpour: ${join(home, '.aria2', 'aria2.conf')}:3: enable-rpc is not an option downpour get has; ignored`,
    )
    expect(server.requests('/c.bin')[0]!.headers['x-from-conf']).toBe('yes')
  })

  it('the command line wins over the file, --no-conf skips it, --conf-path reads another', async () => {
    server.file('/d.bin', makeBody(2000, 2))
    const home = await homeWithConf(['quiet=true'])
    const louder = await start(['--quiet=false', server.url('/d.bin')], { env: { HOME: home } })
      .done
    expect(louder.code).toBe(0)
    expect(louder.stdout).not.toBe('')
    const skipped = await start(['--no-conf', server.url('/d.bin')], { env: { HOME: home } }).done
    expect(skipped.stdout).not.toBe('')
    const other = join(dirs.root, 'other.conf')
    await writeFile(other, 'quiet=true\nsplit=oops\n')
    const named = await start(['--conf-path', other, server.url('/d.bin')]).done
    // split=oops is a bad value: bad usage, as the same flag on the command line.
    expect(named.code).toBe(28)
    const missing = await start([
      `--conf-path=${join(dirs.root, 'nope.conf')}`,
      server.url('/d.bin'),
    ]).done
    expect(missing.code).toBe(28)
    expect(missing.stderr).toContain('cannot read the configuration file')
  })
})

describe('downpour get -i with an aria2 --save-session file', () => {
  it('downloads each file once from its first URL, with its out= and referer=, and names what it ignored by line', async () => {
    server.file('/x.bin', makeBody(3000, 3))
    server.file('/y.bin', makeBody(2000, 4))
    const session = join(dirs.root, 'session.txt')
    await writeFile(
      session,
      [
        `${server.url('/x.bin')}\t${server.url('/mirror-x.bin')}`,
        ' gid=2089b05ecca3d829',
        ` dir=${dirs.downloads}`,
        ' out=renamed.bin',
        ' referer=http://pages.example/',
        ' continue=true',
        server.url('/y.bin'),
        ' gid=d2c0e4d5a6b7c8d9',
        ' dir=/somewhere/else',
      ].join('\n'),
    )
    const result = await start(['-i', session]).done
    expect(result.code).toBe(0)
    expect((await readdir(dirs.downloads)).sort()).toEqual(['renamed.bin', 'y.bin'])
    expect(server.requests('/mirror-x.bin')).toHaveLength(0)
    expect(server.requests('/x.bin')[0]!.headers.referer).toBe('http://pages.example/')
    expect(result.stderr).toContain(
      `${session}:1: mirrors are not supported: downloading from the first URL only (1 other on this line ignored)`,
    )
    expect(result.stderr).toContain(
      `${session}:6: continue= (an aria2 option) is not supported per download; ignored`,
    )
    expect(result.stderr).toContain(`${session}:9: dir=/somewhere/else ignored`)
    expect(result.stdout.trim().split('\n').at(-1)).toBe('2 completed, 0 failed')
  })
})
