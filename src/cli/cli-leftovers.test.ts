import { spawn, type ChildProcess } from 'node:child_process'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { makeBody } from '../../test/fault-server.ts'
import { sha256, sha256File } from '../../test/engine-harness.ts'
import { useCli } from '../../test/run-cli.ts'
import { CONTROL_SUFFIX } from '../engine/storage/control-file.ts'

// The queue folder in its default place (XDG_STATE_HOME/downpour/cli/<hash of the download
// folder>): a completed run removes it, a run that leaves anything to continue keeps it.
const { server, dirs } = useCli()
const KiB = 1024
const CLI = join(import.meta.dirname, '..', '..', 'bin', 'downpour.mjs')

const stateRoot = () => join(dirs.root, 'xdg')
const cliStates = () => join(stateRoot(), 'downpour', 'cli')

/** `downpour get` with the default state folder (no DOWNPOUR_STATE_DIR) under this test's root. */
function run(args: string[]): {
  child: ChildProcess
  done: Promise<{ code: number | null; stderr: string }>
} {
  const env: NodeJS.ProcessEnv = { ...process.env, XDG_STATE_HOME: stateRoot(), NO_COLOR: '1' }
  delete env.DOWNPOUR_STATE_DIR
  const child = spawn(
    process.execPath,
    [CLI, 'get', '-d', dirs.downloads, '--retry-wait', '0.05', ...args],
    {
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  )
  let stderr = ''
  child.stderr!.on('data', (d) => (stderr += d))
  return {
    child,
    done: new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr }))),
  }
}

const leftovers = () => readdir(cliStates()).catch(() => [] as string[])

describe('downpour get: what a run leaves in its state folder', () => {
  it('a completed run leaves no queue folder behind', async () => {
    server.file('/a.bin', makeBody(64 * KiB, 1))
    server.file('/b.bin', makeBody(16 * KiB, 2))
    const result = await run([server.url('/a.bin'), server.url('/b.bin')]).done
    expect(result.code).toBe(0)
    expect(await leftovers()).toEqual([])
    // And a rerun of the same command (everything already there) leaves none either.
    expect((await run([server.url('/a.bin'), server.url('/b.bin')]).done).code).toBe(0)
    expect(await leftovers()).toEqual([])
  })

  it('a failure keeps the folder (the rerun retries it), and the rerun that completes removes it', async () => {
    server.file('/ok.bin', makeBody(16 * KiB, 3))
    const first = await run([server.url('/ok.bin'), server.url('/later.bin')]).done
    expect(first.code).toBe(3)
    const kept = await leftovers()
    expect(kept).toHaveLength(1)
    expect((await readdir(join(cliStates(), kept[0]!))).some((n) => n.startsWith('queue'))).toBe(
      true,
    )
    server.file('/later.bin', makeBody(16 * KiB, 4))
    const second = await run([server.url('/ok.bin'), server.url('/later.bin')]).done
    expect(second.code).toBe(0)
    expect(await leftovers()).toEqual([])
  })

  it('after kill -9 the folder stays and the rerun continues from it, then removes it', async () => {
    const body = makeBody(2048 * KiB, 5)
    server.file('/big.bin', body, { rateLimit: 512 * KiB })
    const killed = run([server.url('/big.bin')])
    // Killed once a checkpoint recorded durable bytes (the control file beside the `.part`).
    for (let i = 0; i < 600; i++) {
      const names = await readdir(dirs.downloads).catch(() => [] as string[])
      if (names.some((n) => n.endsWith(CONTROL_SUFFIX))) break
      await new Promise((r) => setTimeout(r, 50))
    }
    killed.child.kill('SIGKILL')
    await killed.done
    expect(await leftovers()).toHaveLength(1)
    const before = server.requests('/big.bin').length
    server.file('/big.bin', body)
    const rerun = await run([server.url('/big.bin')]).done
    expect(rerun.code).toBe(0)
    expect(server.requests('/big.bin')[before]?.range?.start).toBeGreaterThan(0)
    expect(await sha256File(join(dirs.downloads, 'big.bin'))).toBe(sha256(body))
    expect(await leftovers()).toEqual([])
  })

  it('an interrupted run keeps the folder for the rerun', async () => {
    server.file('/slow.bin', makeBody(2048 * KiB, 6), { rateLimit: 256 * KiB })
    const interrupted = run([server.url('/slow.bin')])
    for (let i = 0; i < 600 && server.bytesServed('/slow.bin') < 100 * KiB; i++)
      await new Promise((r) => setTimeout(r, 50))
    interrupted.child.kill('SIGINT')
    expect((await interrupted.done).code).toBe(130)
    expect(await leftovers()).toHaveLength(1)
  })
})
