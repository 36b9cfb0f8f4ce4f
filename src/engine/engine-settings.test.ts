import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { MessageChannel } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import { makeBody } from '../../test/fault-server.ts'
import { addOne, sha256, useEngineHarness } from '../../test/engine-harness.ts'
import { createEngine } from './engine.ts'
import { createEngineClient, serveEngine } from '../shared/protocol/rpc.ts'
import type { UiPreferences } from '../shared/protocol/ui-preferences.ts'
import { portOf } from '../../test/message-port.ts'

const { server, dirs, open } = useEngineHarness({ engine: false })
const engineFor = (settings = {}) => open({ settings })

const MiB = 1024 * 1024
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('settings', () => {
  it('takes sizes and durations with units, and keeps them across a restart (settings.json)', async () => {
    const first = await engineFor()
    const stored = await first.updateSettings({
      maxOverallDownloadLimit: '2M',
      minSplitSize: '512K',
      timeoutMs: '45s',
      retryWaitMs: '250ms',
      maxConcurrentDownloads: 3,
    })
    expect(stored).toMatchObject({
      maxOverallDownloadLimit: 2 * MiB,
      minSplitSize: 512 * 1024,
      timeoutMs: 45_000,
      retryWaitMs: 250,
      maxConcurrentDownloads: 3,
    })
    await first.close()
    const file = JSON.parse(await readFile(join(dirs.state, 'settings.json'), 'utf8'))
    expect(file.settings).toMatchObject({ maxOverallDownloadLimit: 2 * MiB, timeoutMs: 45_000 })

    // The harness passes retryWaitMs and timeoutMs itself (the host's word wins); the rest is back.
    const second = await engineFor()
    expect((await second.snapshot()).settings).toMatchObject({
      maxOverallDownloadLimit: 2 * MiB,
      minSplitSize: 512 * 1024,
      maxConcurrentDownloads: 3,
      timeoutMs: 2000,
    })
  })

  it('refuses a bad value with the field and the reason, changing nothing', async () => {
    const engine = await engineFor()
    const before = (await engine.snapshot()).settings
    await expect(
      engine.updateSettings({ maxConcurrentDownloads: 4, minSplitSize: '3 apples' }),
    ).rejects.toMatchObject({
      code: 'DP_ERR_INVALID_ARGUMENT',
      message: 'minSplitSize: "3 apples" is not a size like 2M, 512K or 1048576',
    })
    expect((await engine.snapshot()).settings).toEqual(before)
  })

  it('refuses invalid settings from the host at start', async () => {
    await expect(
      createEngine({ stateDir: null, settings: { defaultDir: 'relative/dir' } }),
    ).rejects.toMatchObject({ code: 'DP_ERR_INVALID_ARGUMENT', message: /defaultDir/ })
  })

  it('sets a corrupt settings file aside, says so, and starts with defaults', async () => {
    await mkdir(dirs.state, { recursive: true })
    await writeFile(join(dirs.state, 'settings.json'), '{"settings":{"maxTries":')
    const engine = await engineFor()
    expect(engine.logs.find((l) => l.error?.code === 'DP_ERR_CORRUPT_STATE')?.message).toMatch(
      /settings file .* set aside as .*settings\.json\.corrupt-/,
    )
    expect((await readdir(dirs.state)).some((f) => f.startsWith('settings.json.corrupt-'))).toBe(
      true,
    )
    expect((await engine.uiPreferences()).theme).toBe('system')
  })

  it('a global limit set while a download runs slows it at once', async () => {
    const engine = await engineFor()
    server.file('/live.bin', makeBody(40 * MiB, 101), { rateLimit: 8 * MiB })
    const id = await addOne(engine, { url: server.url('/live.bin'), maxConnections: 1 })
    const doneNow = async () => (await engine.snapshot()).downloads[0]!.done
    await engine.waitFor(id, ['probing', 'downloading'])
    await sleep(500)
    await engine.updateSettings({ maxOverallDownloadLimit: '256K' })
    // Let the bucket's burst (a quarter second) and the bytes in flight pass, then measure.
    await sleep(500)
    const from = await doneNow()
    const started = Date.now()
    await sleep(1500)
    const rate = ((await doneNow()) - from) / ((Date.now() - started) / 1000)
    // Unlimited it would run at the server's 8 MiB/s; limited, ~256 KiB/s. Generous bounds:
    // a slow machine only makes it slower.
    expect(rate).toBeLessThan(768 * 1024)
    expect((await engine.snapshot()).downloads[0]!.state).not.toBe('completed')
    await engine.pause({ all: true })
  }, 20_000)

  it('a lower "downloads at once" applies now: the last in the queue wait again, keeping their bytes', async () => {
    const engine = await engineFor({ maxConcurrentDownloads: 5 })
    const names = [1, 2, 3, 4, 5].map((n) => `/at-once-${n}.bin`)
    const bodies = names.map((name, i) => makeBody(2 * MiB, 110 + i))
    names.forEach((name, i) => server.file(name, bodies[i]!, { rateLimit: 256 * 1024 }))
    const ids: string[] = []
    for (const name of names)
      ids.push(await addOne(engine, { url: server.url(name), maxConnections: 1 }))
    const done = async () => new Map((await engine.snapshot()).downloads.map((d) => [d.id, d]))
    // All five running, each with bytes on disk.
    for (let now = await done(); ; now = await done()) {
      if (ids.every((id) => now.get(id)!.state === 'downloading' && now.get(id)!.done > 0)) break
      await sleep(50)
    }

    await engine.updateSettings({ maxConcurrentDownloads: 2 })
    const after = await done()
    expect(ids.map((id) => after.get(id)!.state)).toEqual([
      'downloading',
      'downloading',
      'queued',
      'queued',
      'queued',
    ])
    for (const id of ids.slice(2)) expect(after.get(id)!.done).toBeGreaterThan(0)
    // Their transfers ended: no connection to the server stays open for them.
    for (const id of ids.slice(2)) expect(after.get(id)!.connections).toBe(0)

    // Back up to five: they continue from their bytes, not from zero, and finish whole.
    const asked = names.map((name) => server.requests(name).length)
    await engine.updateSettings({ maxConcurrentDownloads: 5 })
    for (const [i, id] of ids.entries()) {
      await engine.waitFor(id, ['completed'], 60_000)
      expect(sha256(await readFile(join(dirs.downloads, names[i]!.slice(1))))).toBe(
        sha256(bodies[i]!),
      )
    }
    for (const i of [2, 3, 4]) {
      const again = server.requests(names[i]!).slice(asked[i])
      expect(again.length).toBeGreaterThan(0)
      expect(again.every((r) => (r.range?.start ?? 0) > 0)).toBe(true)
    }
  }, 90_000)
})

describe('UI preferences', () => {
  it('one client changes them, another sees ui/changed, and they survive a restart', async () => {
    const engine = await engineFor()
    const channels = [new MessageChannel(), new MessageChannel()]
    const stops = channels.map((c) => serveEngine(portOf(c.port1), engine))
    const [desktop, browser] = channels.map((c) => createEngineClient(portOf(c.port2)))
    try {
      const seen: UiPreferences[] = []
      browser!.on('ui/changed', (e) => seen.push(e.preferences))
      const defaults = await desktop!.uiPreferences()
      expect(defaults).toMatchObject({
        theme: 'system',
        sort: { column: 'queue', direction: 'asc' },
      })
      const updated = await desktop!.updateUiPreferences({
        theme: 'dark',
        sort: { column: 'size', direction: 'desc' },
        columnWidths: { name: 300 },
        filter: { text: 'iso', states: ['failed'] },
      })
      expect(updated).toMatchObject({ theme: 'dark', closeToTray: false })
      await sleep(30)
      expect(seen).toEqual([updated])
      await expect(desktop!.updateUiPreferences({ theme: 'pink' as 'dark' })).rejects.toMatchObject(
        { code: 'DP_ERR_INVALID_ARGUMENT', message: /^theme: / },
      )
      expect(await browser!.uiPreferences()).toEqual(updated)
    } finally {
      for (const stop of stops) stop()
      desktop!.dispose()
      browser!.dispose()
      for (const c of channels) {
        c.port1.close()
        c.port2.close()
      }
    }
    await engine.close()
    const again = await engineFor()
    expect(await again.uiPreferences()).toMatchObject({
      theme: 'dark',
      sort: { column: 'size', direction: 'desc' },
      columnWidths: { name: 300 },
      filter: { text: 'iso', states: ['failed'] },
    })
  })
})
