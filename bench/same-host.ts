/**
 * Downloads from one server side by side (issue 22): three 30 MiB files from one nginx, added
 * 2 s apart to one engine with 5 downloads at once (`-j 5`), against one 90 MiB file alone.
 * Every connection is held to 128 KiB/s by nginx (`limit_rate`, the `/slow/` location), so a
 * download ramps to its full connection allowance and the three overlap, as they do behind
 * per-connection shaping on real networks (on unshaped loopback each would finish before the
 * next is added). Per download: seconds from its add to its first bytes (the first heartbeat
 * with bytes); then the total time of the three against the one 90 MiB file. Outputs are
 * checked against the fixtures' SHA-256.
 *
 *   node bench/same-host.ts [--runs 3] [--engine PATH/src/engine/engine.ts] [--trace]
 *
 * `--trace` prints, per run, each download's connections and MiB every 0.5 s, when each
 * completed, and its log's connection summary (with DOWNPOUR_CONNECTION_LINES=1, a line per
 * connection): where the time of the three goes against the one.
 *
 * `--engine` loads another checkout's engine (a side-by-side run against main). Needs nginx
 * (apt-get install -y nginx-light): the Node fallback server has no `/slow/` location.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import type { Engine, EngineOptions } from '../src/engine/engine.ts'
import { ensureFile, openFixtureStore, sha256File, type Fixture } from './fixtures.ts'
import { startServer } from './server-nginx.ts'
import { MiB, median, sleep } from './util.ts'

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    engine: { type: 'string', default: join(import.meta.dirname, '../src/engine/engine.ts') },
    'data-dir': { type: 'string', default: join(tmpdir(), 'downpour-bench') },
    trace: { type: 'boolean', default: false },
  },
})
const RUNS = Number(values.runs)
const { createEngine } = (await import(pathToFileURL(resolve(values.engine)).href)) as {
  createEngine(options: EngineOptions): Promise<Engine>
}
/** `downpour get -j 5`'s settings (its per-server cap: the larger of 32, -j and -x). */
const SETTINGS = { maxConcurrentDownloads: 5, maxConnectionsPerHost: 32 }
const GAP_MS = 2000

type Started = { id: string; addedAt: number; firstBytesAt: number | null }

/** Adds each file `GAP_MS` after the previous; resolves when all completed, with the timings. */
async function run(base: string, files: Fixture[]): Promise<{ starts: number[]; total: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'downpour-same-host-'))
  const engine = await createEngine({
    stateDir: null,
    heartbeatMs: 50,
    originMarks: false,
    settings: { defaultDir: dir, ...SETTINGS },
  })
  try {
    const started = new Map<string, Started>()
    const left = new Set<string>()
    let allDone: () => void = () => {}
    let failed: (error: Error) => void = () => {}
    const done = new Promise<void>((resolve, reject) => ((allDone = resolve), (failed = reject)))
    const trace = new Map<string, { connections: number; done: number }>()
    const letter = (id: string): string => String.fromCharCode(97 + [...started.keys()].indexOf(id))
    engine.on('progress/beat', (beat) => {
      for (const item of beat.items) {
        const s = started.get(item.id)
        if (s && s.firstBytesAt === null && item.done > 0) s.firstBytesAt = performance.now()
        trace.set(item.id, { connections: item.connections, done: item.done })
      }
    })
    engine.on('download/changed', (e) => {
      for (const { download } of e.changes) {
        if (download.state === 'failed') failed(new Error(`${download.name}: failed`))
        if (download.state === 'completed' && values.trace && started.has(download.id))
          console.log(`  ${at()} s: ${letter(download.id)} completed`)
        if (download.state === 'completed' && left.delete(download.id) && left.size === 0) allDone()
      }
    })
    if (values.trace)
      engine.on('log/entry', (entry) => {
        const message = entry.message.replace(/^[^:]*: /, '')
        if (entry.id && /^(connections|connection |\d+ connections brought)/.test(message))
          console.log(`  ${at()} s: ${letter(entry.id)} ${message}`)
      })
    const t0 = performance.now()
    const at = (): string => ((performance.now() - t0) / 1000).toFixed(2)
    const sampler = values.trace
      ? setInterval(() => {
          const row = [...started.keys()].map((id) => {
            const t = trace.get(id)
            return `${letter(id)} ${t?.connections ?? 0} (${((t?.done ?? 0) / MiB).toFixed(1)})`
          })
          console.log(`  ${at()} s: ${row.join(', ')}`)
        }, 500)
      : null
    for (const [i, file] of files.entries()) {
      if (i > 0) await sleep(t0 + i * GAP_MS - performance.now())
      const addedAt = performance.now()
      const { added, rejected } = await engine.add([{ url: `${base}/slow/${file.rel}` }])
      if (!added[0]) throw new Error(`rejected: ${JSON.stringify(rejected)}`)
      started.set(added[0].id, { id: added[0].id, addedAt, firstBytesAt: null })
      left.add(added[0].id)
    }
    await done
    if (sampler) clearInterval(sampler)
    const total = (performance.now() - t0) / 1000
    for (const file of files) {
      const got = await sha256File(join(dir, file.rel.split('/').pop()!))
      if (got !== file.sha256) throw new Error(`${file.rel}: wrong bytes`)
    }
    const starts = [...started.values()].map((s) =>
      s.firstBytesAt === null ? Infinity : (s.firstBytesAt - s.addedAt) / 1000,
    )
    return { starts, total }
  } finally {
    await engine.close()
    await rm(dir, { recursive: true, force: true })
  }
}

const store = openFixtureStore(values['data-dir'])
const three = [
  await ensureFile(store, 'same-host/a-30m.bin', 30 * MiB),
  await ensureFile(store, 'same-host/b-30m.bin', 30 * MiB),
  await ensureFile(store, 'same-host/c-30m.bin', 30 * MiB),
]
const one = [await ensureFile(store, 'same-host/one-90m.bin', 90 * MiB)]
const server = await startServer({ root: store.root, kind: 'nginx', pinCpus: null })
console.log(`engine: ${values.engine}\nserver: ${server.version}, /slow/ = 128 KiB/s per request`)
const totals: number[] = []
const alone: number[] = []
try {
  for (let r = 0; r < RUNS; r++) {
    // Alternating: the three, then the one, so drift over the session touches both alike.
    const { starts, total } = await run(server.baseUrl, three)
    const single = (await run(server.baseUrl, one)).total
    totals.push(total)
    alone.push(single)
    const s = starts.map((x) => x.toFixed(2)).join(' / ')
    console.log(
      `run ${r + 1}: first bytes after add ${s} s; three ${total.toFixed(1)} s, one 90 MiB ${single.toFixed(1)} s (${(total / single).toFixed(2)}×)`,
    )
  }
} finally {
  await server.stop()
}
console.log(
  `median: three ${median(totals).toFixed(1)} s, one ${median(alone).toFixed(1)} s, ratio ${(median(totals) / median(alone)).toFixed(2)}×`,
)
