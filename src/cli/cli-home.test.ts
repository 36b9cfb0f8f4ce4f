import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { makeBody } from '../../test/fault-server.ts'
import { useCli } from '../../test/run-cli.ts'

// The CLI reads the user's own files (~/.aria2/aria2.conf, ~/.netrc): under test it must see a
// scratch HOME, never the HOME of whoever runs the tests.
const { server, dirs, home, start } = useCli()

const saved = { HOME: process.env.HOME, XDG_CONFIG_HOME: process.env.XDG_CONFIG_HOME }
afterEach(() => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name]
    else process.env[name] = value
  }
})

async function plantConf(at: string): Promise<void> {
  await mkdir(join(at, '.aria2'), { recursive: true })
  await writeFile(join(at, '.aria2', 'aria2.conf'), 'quiet=true\nheader=X-Planted: yes\n')
}

describe('the CLI test set-up', () => {
  it('a ~/.aria2/aria2.conf in the HOME the tests run with is not read; the scratch HOME is', async () => {
    server.file('/h.bin', makeBody(1500, 4))
    // Stands in for the real HOME: the test process's own environment, which startCli copies.
    const realHome = join(dirs.root, 'real-home')
    await plantConf(realHome)
    process.env.HOME = realHome
    process.env.XDG_CONFIG_HOME = join(realHome, '.config')
    const isolated = await start([server.url('/h.bin')]).done
    expect(isolated.code).toBe(0)
    expect(isolated.stdout).not.toBe('')
    expect(server.requests('/h.bin')[0]!.headers['x-planted']).toBeUndefined()
    expect(home().startsWith(dirs.root)).toBe(true)

    // The same file in the scratch HOME is read: the run above did look at a HOME, just not that one.
    await plantConf(home())
    const scratch = await start(['--allow-overwrite=true', server.url('/h.bin')]).done
    expect(scratch.code).toBe(0)
    expect(scratch.stdout).toBe('')
    expect(server.requests('/h.bin').at(-1)!.headers['x-planted']).toBe('yes')
  })
})
