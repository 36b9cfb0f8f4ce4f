import { mkdir, writeFile } from 'node:fs/promises'
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
