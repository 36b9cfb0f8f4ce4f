import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises'
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
    // split=oops is a bad value: bad usage, as the same flag on the command line, named by its
    // line (the flag alone sent the person looking for it on their command line).
    expect(named.code).toBe(28)
    expect(named.stderr).toBe(
      `downpour: ${other}:2: split=oops: expected a whole number from 1 to 32\n`,
    )
    await writeFile(other, 'max-download-limit=lots\njust-a-word\n')
    const both = await start(['--conf-path', other, server.url('/d.bin')]).done
    expect(both.code).toBe(28)
    expect(both.stderr).toBe(
      `downpour: ${other}:2: expected NAME=VALUE, got "just-a-word"; ignored\n` +
        `downpour: ${other}:1: max-download-limit=lots: expected a size like 512K or 1M\n`,
    )
    expect(server.requests('/d.bin')).toHaveLength(2)
    const missing = await start([
      `--conf-path=${join(dirs.root, 'nope.conf')}`,
      server.url('/d.bin'),
    ]).done
    expect(missing.code).toBe(28)
    expect(missing.stderr).toContain('cannot read the configuration file')
  })
})

describe('downpour get -i with an aria2 --save-session file', () => {
  it('downloads each file once (a TAB-separated line is one file with mirrors), with its out=, referer= and dir=, and names by line what it did not apply', async () => {
    server.file('/x.bin', makeBody(3000, 3))
    server.file('/y.bin', makeBody(2000, 4))
    server.file('/z.bin', makeBody(1000, 5))
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
        server.url('/z.bin'),
        // Relative, as aria2c reads it: from the current folder (dirs.root here).
        ' dir=downloads/isos',
      ].join('\n'),
    )
    const result = await start(['-i', session], { cwd: dirs.root }).done
    // y.bin's dir= is outside -d: that line is refused (exit 1), the others are downloaded.
    expect(result.code).toBe(1)
    expect((await readdir(dirs.downloads)).sort()).toEqual(['isos', 'renamed.bin'])
    expect(await readdir(join(dirs.downloads, 'isos'))).toEqual(['z.bin'])
    expect(server.requests('/y.bin')).toHaveLength(0)
    expect(server.requests('/mirror-x.bin')).toHaveLength(0)
    expect(server.requests('/x.bin')[0]!.headers.referer).toBe('http://pages.example/')
    // The TAB-separated mirror is the same file's other source: used, not noted.
    expect(result.stderr).not.toContain(`${session}:1:`)
    expect(result.stderr).toContain(
      `${session}:6: continue= (an aria2 option) is not supported per download; ignored`,
    )
    expect(result.stderr).toContain(
      `${session}:7: dir=/somewhere/else (line 9) is outside the download folder ${dirs.downloads}: nothing is saved outside -d`,
    )
    expect(result.stdout.trim().split('\n').at(-1)).toBe('2 completed, 0 failed, 1 rejected')
  })

  it('--save-session writes back what did not complete as it was read: every mirror, every option line', async () => {
    server.file('/ok.bin', makeBody(1000, 6))
    const input = join(dirs.root, 'in.txt')
    const saved = join(dirs.root, 'out.session')
    const failing = [
      `${server.url('/gone.bin')}\t${server.url('/mirror/gone.bin')}\t${server.url('/m2/gone.bin')}`,
      ' gid=2089b05ecca3d829',
      ` dir=${dirs.downloads}`,
      ' out=gone.bin',
      ' max-connection-per-server=4',
    ]
    await writeFile(input, [server.url('/ok.bin'), ' gid=1', ...failing, ''].join('\n'))
    const first = await start(['-i', input, '--save-session', saved]).done
    expect(first.code).toBe(3)
    expect(await readFile(saved, 'utf8')).toBe(`${failing.join('\n')}\n`)
    // The saved file is an input file: a run of it (the failure still 404) saves the same.
    const second = await start(['-i', saved, '--save-session', saved]).done
    expect(second.code).toBe(3)
    expect(await readFile(saved, 'utf8')).toBe(`${failing.join('\n')}\n`)
    // Once it completes, the session is empty (aria2c's too).
    server.file('/gone.bin', makeBody(500, 7))
    const third = await start(['-i', saved, '--save-session', saved]).done
    expect(third.code).toBe(0)
    expect(await readFile(join(dirs.downloads, 'gone.bin'))).toEqual(makeBody(500, 7))
    expect(await readFile(saved, 'utf8')).toBe('')
  })

  it('--save-session on Ctrl-C: the paused and the waiting downloads, as read', async () => {
    server.file('/slow.bin', makeBody(500_000, 8), {
      fault: () => ({ kind: 'stall', afterBytes: 10_000 }),
    })
    server.file('/next.bin', makeBody(1000, 9))
    const input = join(dirs.root, 'in.txt')
    const saved = join(dirs.root, 'out.session')
    const slow = [`${server.url('/slow.bin')}\t${server.url('/m/slow.bin')}`, ' gid=1']
    const next = [server.url('/next.bin'), ' out=n.bin']
    await writeFile(input, [...slow, ...next].join('\n'))
    const run = start(['-j', '1', '-i', input, '--save-session', saved])
    for (let look = 0; look < 400 && server.requests('/slow.bin').length === 0; look++)
      await new Promise((resolve) => setTimeout(resolve, 25))
    run.child.kill('SIGINT')
    expect((await run.done).code).toBe(130)
    expect(await readFile(saved, 'utf8')).toBe(`${[...slow, ...next].join('\n')}\n`)
  })
})
