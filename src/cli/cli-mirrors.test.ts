import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { sha256, sha256File } from '../../test/engine-harness.ts'
import { makeBody, startFaultServer } from '../../test/fault-server.ts'
import { useCli } from '../../test/run-cli.ts'

const { server, dirs, start, onTeardown } = useCli()
const MiB = 1024 * 1024
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

type Event = { event: string; download?: { name: string; tries: number; mirrors?: string[] } }
const eventsOf = (stdout: string): Event[] =>
  stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Event)

describe('downpour get with mirrors (a TAB-separated line of an aria2 list)', () => {
  it('killed with SIGKILL mid-download and run again: the mirrors came back from the journal and serve the rest', async () => {
    const mirror = await startFaultServer()
    onTeardown(() => mirror.close())
    const body = makeBody(8 * MiB, 81)
    // Capped as a whole, so the first run is still under way when it is killed.
    server.file('/k.bin', body, { sharedRateLimit: MiB })
    mirror.file('/k.bin', body, { sharedRateLimit: MiB })
    const list = join(dirs.root, 'list.txt')
    await writeFile(list, `${server.url('/k.bin')}\t${mirror.url('/k.bin')}\n`)

    const first = start(['--json', '-i', list])
    const served = () => server.bytesServed('/k.bin') + mirror.bytesServed('/k.bin')
    for (
      let look = 0;
      look < 600 && (served() < 3 * MiB || mirror.bytesServed('/k.bin') === 0);
      look++
    )
      await sleep(25)
    expect(mirror.bytesServed('/k.bin')).toBeGreaterThan(0)
    first.child.kill('SIGKILL')
    expect((await first.done).signal).toBe('SIGKILL')

    const before = { served: served(), mirrorRequests: mirror.requests('/k.bin').length }
    // The URL's server stays capped: the rest must not be fetched from it alone before the
    // mirror (unproven again in a new run) gets its first connection.
    server.file('/k.bin', body, { sharedRateLimit: 2 * MiB })
    mirror.file('/k.bin', body, { rateLimit: 4 * MiB })
    const second = await start(['--json', '-i', list]).done
    expect(second.code, second.stderr).toBe(0)
    expect(await sha256File(join(dirs.downloads, 'k.bin'))).toBe(sha256(body))
    // The download went on as the first run left it in its journal (its try count), with its
    // mirror (the rerun's list names the same one).
    const first2 = eventsOf(second.stdout).find((e) => e.download?.name === 'k.bin')
    expect(first2?.download?.tries).toBeGreaterThanOrEqual(1)
    expect(first2?.download?.mirrors).toEqual([mirror.url('/k.bin')])
    // The mirror's share of the second run is in its log.
    expect(second.stdout).toMatch(
      /sources: URL 127\.0\.0\.1:\d+: [\d.]+ MiB; mirror 127\.0\.0\.1:\d+: [\d.]+ MiB"/,
    )
    // The mirror served ranges again in the second run, and not the whole file was fetched
    // again (what was durable at the kill was kept).
    expect(mirror.requests('/k.bin').length).toBeGreaterThan(before.mirrorRequests)
    expect(served() - before.served).toBeLessThan(body.length)
  }, 120_000)

  it('a mirror= line under a URL is used like a TAB-separated one', async () => {
    const mirror = await startFaultServer()
    onTeardown(() => mirror.close())
    const body = makeBody(6 * MiB, 82)
    server.file('/o.bin', body, { sharedRateLimit: 2 * MiB })
    mirror.file('/o.bin', body, { sharedRateLimit: 2 * MiB })
    const list = join(dirs.root, 'list.txt')
    await writeFile(list, `${server.url('/o.bin')}\n  mirror=${mirror.url('/o.bin')}\n`)
    const run = await start(['-i', list]).done
    expect(run.code, run.stderr).toBe(0)
    expect(await sha256File(join(dirs.downloads, 'o.bin'))).toBe(sha256(body))
    expect(mirror.requests('/o.bin').some((r) => r.status === 206 && r.bytesServed > 0)).toBe(true)
  }, 120_000)

  it('a rerun whose list names other mirrors: the list’s mirrors replace the stored ones, the old mirror is asked nothing more', async () => {
    const old = await startFaultServer()
    const now = await startFaultServer()
    onTeardown(() => old.close())
    onTeardown(() => now.close())
    const body = makeBody(8 * MiB, 83)
    // Capped as a whole, so the first run is still under way when it is interrupted.
    server.file('/e.bin', body, { sharedRateLimit: MiB })
    old.file('/e.bin', body, { sharedRateLimit: MiB })
    const list = join(dirs.root, 'list.txt')
    await writeFile(list, `${server.url('/e.bin')}\t${old.url('/e.bin')}\n`)
    const first = start(['--json', '-i', list])
    const served = () => server.bytesServed('/e.bin') + old.bytesServed('/e.bin')
    for (let look = 0; look < 600 && served() < 2 * MiB; look++) await sleep(25)
    first.child.kill('SIGINT')
    expect((await first.done).code).toBe(130)

    // The person edits the list: another mirror, on its own line (aria2's mirror= form).
    await writeFile(list, `${server.url('/e.bin')}\n  mirror=${now.url('/e.bin')}\n`)
    const oldAsked = old.requests('/e.bin').length
    now.file('/e.bin', body, { sharedRateLimit: 4 * MiB })
    const second = await start(['--json', '-i', list]).done
    expect(second.code, second.stderr).toBe(0)
    expect(await sha256File(join(dirs.downloads, 'e.bin'))).toBe(sha256(body))
    const continued = eventsOf(second.stdout).find((e) => e.event === 'download/continued')
    expect(continued?.download?.mirrors).toEqual([now.url('/e.bin')])
    expect(now.requests('/e.bin').some((r) => r.status === 206 && r.bytesServed > 0)).toBe(true)
    expect(old.requests('/e.bin').length).toBe(oldAsked)
  }, 120_000)
})
