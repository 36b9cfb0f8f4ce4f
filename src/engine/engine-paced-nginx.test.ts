import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { makeBody } from '../../test/fault-server.ts'
import { addOne, sha256, sha256File, useEngineHarness } from '../../test/engine-harness.ts'
import { missingServer, startRealServer } from '../../test/real-http-servers.ts'

// Real nginx, not the fault server: its `limit_rate` paces by its own clock (a second's worth
// per connection at once, then a pause), which is what slow start has to read through.
const { dirs, engine } = useEngineHarness({
  server: false,
  engine: { settings: { timeoutMs: 20_000 } },
})
const MiB = 1024 * 1024
const missing = missingServer('nginx')
if (missing) console.warn(`engine-paced-nginx.test.ts: skipping: ${missing}`)

describe.skipIf(missing !== null)('nginx limit_rate: a cap per connection, paced in bursts', () => {
  it('a lone download ramps to its connection allowance and keeps it (its beats are bursts and pauses)', async () => {
    const www = join(dirs.root, 'www')
    await mkdir(www)
    const body = makeBody(24 * MiB, 405)
    await writeFile(join(www, 'paced.bin'), body)
    const nginx = await startRealServer('nginx', www, join(dirs.root, 'nginx'), [
      'location / { limit_rate 128k; }',
    ])
    // One log line per connection (connection-timeline.ts), as `downpour get` prints them.
    process.env.DOWNPOUR_CONNECTION_LINES = '1'
    try {
      let most = 0
      const off = engine.on('progress/beat', (beat) => {
        for (const item of beat.items) most = Math.max(most, item.connections)
      })
      // Ranges of 1 MiB (two minSplits: a connection's rest may be renewed) at 128 KiB/s.
      await engine.updateSettings({ minSplitSize: 256 * 1024 })
      const id = await addOne(engine, { url: nginx.url('/paced.bin'), maxConnections: 32 })
      const done = await engine.waitFor(id, ['completed', 'failed'], 60_000)
      off()
      expect(done.state).toBe('completed')
      expect(await sha256File(join(dirs.downloads, 'paced.bin'))).toBe(sha256(body))
      // 32 connections at 128 KiB/s bring 4 MiB/s, 16 bring 2: more connections pay here, and
      // a growth judged on burst beats was given back (bench/same-host.ts, 1 run in 2).
      const gaveBack = engine.logs.filter((l) => /brought no more speed/.test(l.message))
      expect(gaveBack.map((l) => l.message)).toEqual([])
      expect(most).toBeGreaterThan(16)
      // Every connection is silent or trickling between its bursts: none is a laggard to be
      // replaced by a fresh one (by their latest speeds ~60 of 64 were, in the first second).
      const replaced = engine.logs.filter((l) => /a laggard, replaced/.test(l.message))
      expect(replaced.length).toBeLessThanOrEqual(4)
    } finally {
      delete process.env.DOWNPOUR_CONNECTION_LINES
      await nginx.stop()
    }
  }, 90_000)
})
