/**
 * MIRRORS: one 100 MiB file from two mirrors, one capped at 2 MiB/s and the other at 8 MiB/s
 * in total (however many connections ask: the fault server's `sharedRateLimit`, a link or a
 * server capped as a whole, not per connection). The goal (issue 22): done within 1.1× of
 * size ÷ 10 MiB/s, faster than either mirror alone, SHA-256 right. Each run alternates which
 * server is the download's URL and which its mirror, so the planner is measured both ways.
 * Prints per run the time, the ratio to the ideal, and each server's share; then the median
 * and the load average (the machine is shared: the ratio, not the seconds, is the figure).
 *
 *   node bench/mirrors.ts [--runs 1] [--size-mib 100] [--engine PATH/src/engine/engine.ts]
 *
 * Its servers are Node's (test/fault-server): nginx has no cap for a location as a whole.
 */
import { createHash } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import type { Engine, EngineOptions } from '../src/engine/engine.ts'
import { makeBody, startFaultServer, type FaultServer } from '../test/fault-server.ts'
import { MiB, median } from './util.ts'

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '1' },
    'size-mib': { type: 'string', default: '100' },
    engine: { type: 'string', default: join(import.meta.dirname, '../src/engine/engine.ts') },
  },
})
const RUNS = Number(values.runs)
const SIZE = Number(values['size-mib']) * MiB
const CAPS = [2 * MiB, 8 * MiB]
const IDEAL_S = SIZE / (CAPS[0]! + CAPS[1]!)
const { createEngine } = (await import(pathToFileURL(resolve(values.engine)).href)) as {
  createEngine(options: EngineOptions): Promise<Engine>
}

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex')

async function once(
  body: Buffer,
  servers: [FaultServer, FaultServer],
  primary: 0 | 1,
): Promise<{ seconds: number; shares: number[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'downpour-mirrors-'))
  const path = `/m-${Date.now()}.bin`
  for (const [i, s] of servers.entries()) s.file(path, body, { sharedRateLimit: CAPS[i]! })
  const engine = await createEngine({
    stateDir: null,
    heartbeatMs: 50,
    originMarks: false,
    settings: { defaultDir: dir },
  })
  try {
    let finish: () => void = () => {}
    let fail: (e: Error) => void = () => {}
    const done = new Promise<void>((res, rej) => ((finish = res), (fail = rej)))
    engine.on('download/changed', (e) => {
      for (const { download } of e.changes) {
        if (download.state === 'failed') fail(new Error(`failed: ${download.error?.message}`))
        if (download.state === 'completed') finish()
      }
    })
    const t0 = performance.now()
    const { added, rejected } = await engine.add([
      { url: servers[primary].url(path), mirrors: [servers[1 - primary]!.url(path)] },
    ])
    if (!added[0]) throw new Error(`rejected: ${JSON.stringify(rejected)}`)
    await done
    const seconds = (performance.now() - t0) / 1000
    if (sha256(await readFile(join(dir, path.slice(1)))) !== sha256(body))
      throw new Error('wrong bytes')
    return { seconds, shares: servers.map((s) => s.bytesServed(path)) }
  } finally {
    await engine.close()
    await rm(dir, { recursive: true, force: true })
  }
}

const body = makeBody(SIZE, 22)
const servers: [FaultServer, FaultServer] = [await startFaultServer(), await startFaultServer()]
console.log(
  `MIRRORS: ${SIZE / MiB} MiB from two mirrors capped at ${CAPS.map((c) => c / MiB).join(' and ')} MiB/s in total; ideal ${IDEAL_S.toFixed(1)} s; goal ≤ 1.1×`,
)
const ratios: number[] = []
try {
  for (let r = 0; r < RUNS; r++) {
    const primary = (r % 2) as 0 | 1
    const { seconds, shares } = await once(body, servers, primary)
    ratios.push(seconds / IDEAL_S)
    const served = shares.map(
      (b, i) => `${CAPS[i]! / MiB} MiB/s server ${(b / MiB).toFixed(1)} MiB`,
    )
    console.log(
      `run ${r + 1} (URL on the ${CAPS[primary]! / MiB} MiB/s server): ${seconds.toFixed(1)} s = ${(seconds / IDEAL_S).toFixed(2)}× ideal; ${served.join(', ')} (both: sent, re-sent bytes included)`,
    )
  }
} finally {
  await Promise.all(servers.map((s) => s.close()))
}
const load = loadavg()
  .map((l) => l.toFixed(2))
  .join(' ')
console.log(
  `MIRRORS median: ${median(ratios).toFixed(2)}× of size ÷ 10 MiB/s (goal ≤ 1.10×); load average ${load}`,
)
