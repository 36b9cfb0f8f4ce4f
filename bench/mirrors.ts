/**
 * MIRRORS: one 100 MiB file from two mirrors, one capped at 2 MiB/s and the other at 8 MiB/s
 * in total (however many connections ask: the fault server's `sharedRateLimit`, a link or a
 * server capped as a whole, not per connection). The goal (issue 22): done within 1.1× of
 * size ÷ 10 MiB/s, faster than either mirror alone, SHA-256 right. Each run alternates which
 * server is the download's URL and which its mirror, so the planner is measured both ways.
 * Prints per run the time, the ratio to the ideal, and each server's share; then the median
 * and the load average (the machine is shared: the ratio, not the seconds, is the figure).
 *
 *   node bench/mirrors.ts [--runs 1] [--size-mib 100] [--alone] [--engine PATH/src/engine/engine.ts]
 *
 * `--alone` first downloads the file from the faster server alone (no mirror), for reference.
 * With `DOWNPOUR_CONNECTION_LINES=1` the engine logs one line per connection (its server, life,
 * bytes, why it closed), printed here too.
 *
 * Its servers are Node's (test/fault-server): nginx has no cap for a location as a whole. They
 * run in a child process of their own (`--serve`), so they do not share the engine's thread.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createHash } from 'node:crypto'
import { createInterface } from 'node:readline'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import type { Engine, EngineOptions } from '../src/engine/engine.ts'
import { makeBody, startFaultServer } from '../test/fault-server.ts'
import { MiB, median } from './util.ts'

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '1' },
    'size-mib': { type: 'string', default: '100' },
    engine: { type: 'string', default: join(import.meta.dirname, '../src/engine/engine.ts') },
    serve: { type: 'boolean', default: false },
    alone: { type: 'boolean', default: false },
  },
})
const RUNS = Number(values.runs)
const SIZE = Number(values['size-mib']) * MiB
const CAPS = [2 * MiB, 8 * MiB]
const IDEAL_S = SIZE / (CAPS[0]! + CAPS[1]!)
const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex')

/**
 * The two servers, in this child process: prints their origins, then answers stdin lines
 * `file PATH` (serve the body there, capped) and `stats PATH` (bytes each sent) with one line.
 */
async function serve(): Promise<void> {
  const body = makeBody(SIZE, 22)
  const servers = [await startFaultServer(), await startFaultServer()]
  console.log(JSON.stringify(servers.map((s) => s.origin)))
  for await (const line of createInterface({ input: process.stdin })) {
    const [command, path] = line.split(' ') as [string, string]
    if (command === 'file')
      for (const [i, s] of servers.entries()) s.file(path, body, { sharedRateLimit: CAPS[i]! })
    console.log(JSON.stringify(servers.map((s) => s.bytesServed(path))))
  }
  await Promise.all(servers.map((s) => s.close()))
}

/** The parent's side of `serve`: one request line, one answer line. */
class Servers {
  readonly #child: ChildProcess
  readonly #lines: AsyncIterator<string>
  constructor(child: ChildProcess) {
    this.#child = child
    this.#lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]()
  }
  async next(): Promise<unknown> {
    const { value, done } = await this.#lines.next()
    if (done) throw new Error('the server process ended')
    return JSON.parse(value as string)
  }
  async ask(line: string): Promise<number[]> {
    this.#child.stdin!.write(`${line}\n`)
    return (await this.next()) as number[]
  }
  close(): void {
    this.#child.stdin!.end()
  }
}

async function once(
  createEngine: (options: EngineOptions) => Promise<Engine>,
  body: Buffer,
  servers: Servers,
  origins: string[],
  primary: 0 | 1,
  alone = false,
): Promise<{ seconds: number; shares: number[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'downpour-mirrors-'))
  const path = `/m-${Date.now()}.bin`
  await servers.ask(`file ${path}`)
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
    // The download's own account of its sources and connections (and any mirror dropped).
    engine.on('log/entry', (e) => {
      if (/mirror|sources:|connections:|: connection /.test(e.message))
        console.log(`  log: ${e.message}`)
    })
    const t0 = performance.now()
    const { added, rejected } = await engine.add([
      alone
        ? { url: origins[primary]! + path }
        : { url: origins[primary]! + path, mirrors: [origins[1 - primary]! + path] },
    ])
    if (!added[0]) throw new Error(`rejected: ${JSON.stringify(rejected)}`)
    await done
    const seconds = (performance.now() - t0) / 1000
    if (sha256(await readFile(join(dir, path.slice(1)))) !== sha256(body))
      throw new Error('wrong bytes')
    return { seconds, shares: await servers.ask(`stats ${path}`) }
  } finally {
    await engine.close()
    await rm(dir, { recursive: true, force: true })
  }
}

async function main(): Promise<void> {
  const { createEngine } = (await import(pathToFileURL(resolve(values.engine)).href)) as {
    createEngine(options: EngineOptions): Promise<Engine>
  }
  const child = spawn(
    process.execPath,
    [import.meta.filename, '--serve', '--size-mib', String(SIZE / MiB)],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  )
  const servers = new Servers(child)
  const origins = (await servers.next()) as string[]
  const body = makeBody(SIZE, 22)
  console.log(
    `MIRRORS: ${SIZE / MiB} MiB from two mirrors capped at ${CAPS.map((c) => c / MiB).join(' and ')} MiB/s in total; ideal ${IDEAL_S.toFixed(1)} s; goal ≤ 1.1×`,
  )
  const ratios: number[] = []
  try {
    if (values.alone) {
      // The reference: the faster server alone, no mirror (what "faster than either" beats).
      const { seconds } = await once(createEngine, body, servers, origins, 1, true)
      console.log(`the ${CAPS[1]! / MiB} MiB/s server alone: ${seconds.toFixed(1)} s`)
    }
    for (let r = 0; r < RUNS; r++) {
      const primary = (r % 2) as 0 | 1
      const { seconds, shares } = await once(createEngine, body, servers, origins, primary)
      ratios.push(seconds / IDEAL_S)
      const served = shares.map(
        (b, i) => `${CAPS[i]! / MiB} MiB/s server ${(b / MiB).toFixed(1)} MiB`,
      )
      console.log(
        `run ${r + 1} (URL on the ${CAPS[primary]! / MiB} MiB/s server): ${seconds.toFixed(1)} s = ${(seconds / IDEAL_S).toFixed(2)}× ideal; ${served.join(', ')} (both: sent, re-sent bytes included)`,
      )
    }
  } finally {
    servers.close()
  }
  const load = loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')
  console.log(
    `MIRRORS median: ${median(ratios).toFixed(2)}× of size ÷ 10 MiB/s (goal ≤ 1.10×); load average ${load}`,
  )
}

await (values.serve ? serve() : main())
