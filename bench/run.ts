// `npm run bench` — Downpour against curl, wget and aria2c on loopback; see bench/README.md.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { get } from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { ensureFile, openFixtureStore, verifyOutputs, warmPageCache } from './fixtures.ts'
import { killActive, measure, type Measurement, type MeasureOptions } from './measure.ts'
import {
  machineLines,
  markdown,
  printTable,
  writeResults,
  type CompetitorResult,
  type MachineInfo,
  type Report,
  type WorkloadResult,
} from './report.ts'
import { startServer, type BenchServer } from './server-nginx.ts'
import { queueScaleMarkdown, runQueueScale } from './queue-scale.ts'
import { ENGINE_HOST_NODE_FLAGS } from '../src/engine/memory-limits.ts'
import { findExecutable, fmtBytes, fmtNum, GiB, MiB, shellJoin, versionLine } from './util.ts'
import {
  buildWorkload,
  scaled,
  PLACEHOLDERS,
  TOOLS,
  WORKLOAD_IDS,
  type Paths,
  type Tool,
  type WorkloadId,
} from './workloads.ts'

const repoRoot = path.resolve(import.meta.dirname, '..')

const HELP = `Usage: npm run bench -- [options]

  --runs N           repetitions per competitor (default 3)
  --scale F          multiply every size by F, e.g. 0.25 for a quick run (default 1)
  --only LIST        workloads to run, e.g. W1,W2 (default W1,W2,W3,W4,W5,RPC,MIRRORS)
  --duration S       W5: seconds the first run downloads before Ctrl-C (default 60)
  --queue N          W5: URLs in the list (default 100000)
  --tools LIST       competitors to run: curl,wget,aria2c,downpour,node (default all; node is
                     W2's bare-Node reference, bench/node-floor.ts)
  --server KIND      auto | nginx | node (default auto: nginx, else the Node fallback)
  --pin              control run: server on CPU 1, clients on CPU 0 (taskset)
  --timeout S        per-run time limit in seconds (default 600)
  --data-dir DIR     fixtures and scratch space (default ${path.join(os.tmpdir(), 'downpour-bench')})
  --results-dir DIR  where JSON and markdown go (default bench/results)
  --downpour-cli F   Downpour's CLI entry (default out/main/cli.js, built first by electron-vite),
                     run with this Node; pass src/cli/main.ts to measure the type-stripped sources
  --measure HOW      auto | time | proc: CPU/RSS from GNU time or from /proc (default auto)
  --no-limits        skip the loopback/disk limit measurements
  --strict           exit 1 if any run failed
  -h, --help         this text
`

function fail(msg: string): never {
  console.error(`bench: ${msg}`)
  process.exit(2)
}

function list<T extends string>(
  value: string | undefined,
  allowed: readonly T[],
  what: string,
): T[] {
  if (value === undefined) return [...allowed]
  const items = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
  for (const item of items) {
    if (!(allowed as readonly string[]).includes(item))
      fail(`unknown ${what} '${item}' (${allowed.join(', ')})`)
  }
  return items as T[]
}

function parse() {
  try {
    return parseArgs({
      options: {
        runs: { type: 'string', default: '3' },
        scale: { type: 'string', default: '1' },
        only: { type: 'string' },
        duration: { type: 'string', default: '60' },
        queue: { type: 'string', default: '100000' },
        tools: { type: 'string' },
        server: { type: 'string', default: 'auto' },
        pin: { type: 'boolean', default: false },
        timeout: { type: 'string', default: '600' },
        'data-dir': { type: 'string', default: path.join(os.tmpdir(), 'downpour-bench') },
        'results-dir': { type: 'string', default: path.join(repoRoot, 'bench', 'results') },
        'downpour-cli': { type: 'string', default: path.join(repoRoot, 'out', 'main', 'cli.js') },
        measure: { type: 'string', default: 'auto' },
        'no-limits': { type: 'boolean', default: false },
        strict: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    })
  } catch (e) {
    return fail(`${e instanceof Error ? e.message : String(e)} (see --help)`)
  }
}
const { values } = parse()

if (values.help) {
  process.stdout.write(HELP)
  process.exit(0)
}

const runs = Number(values.runs)
const scale = Number(values.scale)
const timeoutS = Number(values.timeout)
if (!Number.isInteger(runs) || runs < 1) fail('--runs must be a positive integer')
if (!(scale > 0 && scale <= 16)) fail('--scale must be in (0, 16]')
if (!(timeoutS > 0)) fail('--timeout must be positive')
const ALL_WORKLOADS = [...WORKLOAD_IDS, 'W5', 'RPC', 'MIRRORS'] as const
const only = list(values.only, ALL_WORKLOADS, 'workload')
const durationS = Number(values.duration)
const queueCount = Number(values.queue)
if (!(durationS > 0)) fail('--duration must be positive')
if (!Number.isInteger(queueCount) || queueCount < 1) fail('--queue must be a positive integer')
const tools = list(values.tools, TOOLS, 'tool')
const serverKinds = ['auto', 'nginx', 'node'] as const
const serverKind =
  serverKinds.find((k) => k === values.server) ?? fail('--server must be auto, nginx or node')
const dataDir = path.resolve(values['data-dir'])
const cli = path.resolve(values['downpour-cli'])
if (cli === path.join(repoRoot, 'out', 'main', 'cli.js')) {
  // The CLI as shipped: plain JS, bundled (no type stripping at start-up). Build it fresh.
  console.log('building the CLI (electron-vite build) ...')
  const built = spawnSync(
    process.execPath,
    [path.join(repoRoot, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'],
    {
      cwd: repoRoot,
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  )
  if (built.status !== 0) fail('electron-vite build failed')
}

const bins: Record<Tool, string | null> = {
  curl: findExecutable('curl'),
  wget: findExecutable('wget'),
  aria2c: findExecutable('aria2c'),
  downpour: process.execPath,
  node: process.execPath,
}
if (!['auto', 'time', 'proc'].includes(values.measure)) fail('--measure must be auto, time or proc')
const timeBin =
  values.measure === 'proc' ? null : (findExecutable('/usr/bin/time') ?? findExecutable('time'))
if (values.measure === 'time' && timeBin === null)
  fail('GNU time not found (apt-get install -y time)')
const taskset = findExecutable('taskset')
if (values.pin && taskset === null) fail('--pin needs taskset (util-linux)')
const clientCpus = values.pin ? '0' : null
const serverCpus = values.pin ? '1' : null

const baseMeasure: Omit<MeasureOptions, 'serverPid'> = {
  timeoutS,
  timeBin,
  pinCpus: clientCpus,
  cwd: repoRoot,
}

function syncDisks(): void {
  spawnSync('sync', { stdio: 'ignore' })
}

/** GET url and throw the body away (warms nginx's path and the page cache). */
function warmGet(url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      res.on('data', () => {})
      res.on('end', () => resolve())
      res.on('error', reject)
    }).on('error', reject)
  })
}

let server: BenchServer | null = null
const outDir = path.join(dataDir, 'out')
/** Run outputs of many-file workloads kept until the end of the workload (see the run loop). */
const KEEP_OUTPUT_BYTES = 4 * GiB
/**
 * Workloads of fewer files delete each run's output right after it. Kept, W4's 128 MiB outputs
 * grew the page cache into memory this VM had not touched yet, and from the fifth round on every
 * tool's system time doubled or tripled (aria2c 0.15 -> 0.45 s, Downpour 0.2 -> 0.7 s, 8 rounds):
 * the CPU-bound tool's wall rose by 30 %, the network-bound one's not at all (docs/benchmarks.md).
 */
const KEEP_OUTPUT_MIN_FILES = 100
const workDir = path.join(dataDir, 'work')

async function cleanup(): Promise<void> {
  killActive()
  rmSync(outDir, { recursive: true, force: true })
  if (server !== null) await server.stop()
  server = null
}

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    console.error(`\nbench: ${sig}, stopping`)
    void cleanup().finally(() => process.exit(130))
  })
}

function describe(m: Measurement): string {
  const cpu = m.userS + m.sysS
  const main = `${fmtNum(m.wallS).padStart(7)} s  cpu ${fmtNum(cpu).padStart(6)} s  rss ${fmtNum(m.peakRssMiB, 0).padStart(4)} MiB`
  return m.ok ? `${main}  OK` : `${main}  FAIL: ${m.failure ?? ''}`
}

async function machineLimits(store: ReturnType<typeof openFixtureStore>): Promise<{
  loopback: number | null
  disk: number | null
  bytes: number
  startup: Record<string, number | null>
}> {
  const bytes = scaled(GiB, scale) // the W1 file
  const startup: Record<string, number | null> = {}
  if (values['no-limits'] || server === null) return { loopback: null, disk: null, bytes, startup }
  let loopback: number | null = null
  if (bins.curl !== null) {
    const f = await ensureFile(store, `f-${bytes}.bin`, bytes)
    await warmPageCache(store, [f])
    const url = `${server.baseUrl}/plain/${f.rel}`
    await warmGet(url)
    const m = await measure(['curl', '-s', '-o', '/dev/null', url], {
      ...baseMeasure,
      serverPid: null,
    })
    loopback = m.ok ? bytes / MiB / m.wallS : null
    console.log(
      `loopback, 1 connection: curl -s -o /dev/null URL (${fmtBytes(bytes)}): ${describe(m)}`,
    )
  } else {
    console.log('loopback limit: skipped (curl not found)')
  }
  const ddFile = path.join(dataDir, 'dd.tmp')
  syncDisks()
  const ddBytes = Math.max(1, Math.round(bytes / MiB)) * MiB
  const dd = [
    'dd',
    'if=/dev/zero',
    `of=${ddFile}`,
    'bs=1M',
    `count=${ddBytes / MiB}`,
    'conv=fdatasync',
  ]
  const m = await measure(dd, { ...baseMeasure, serverPid: null })
  rmSync(ddFile, { force: true })
  syncDisks()
  console.log(`disk write: ${shellJoin(dd).replace(ddFile, 'F')}: ${describe(m)}`)
  // Fixed start-up costs, which dominate small (scaled) runs: best of 3.
  const starts: [string, string[]][] = [['node -e 0', [process.execPath, '-e', '0']]]
  if (tools.includes('downpour')) {
    starts.push([
      `node ${ENGINE_HOST_NODE_FLAGS.join(' ')} ${path.relative(repoRoot, cli)} --version`,
      [process.execPath, ...ENGINE_HOST_NODE_FLAGS, cli, '--version'],
    ])
  }
  for (const [label, argv] of starts) {
    const walls: number[] = []
    for (let i = 0; i < 3; i++) {
      const r = await measure(argv, { ...baseMeasure, serverPid: null })
      if (r.ok) walls.push(r.wallS)
    }
    startup[label] = walls.length > 0 ? Math.min(...walls) : null
    console.log(
      `start-up: ${label}: ${walls.length > 0 ? `${fmtNum(Math.min(...walls))} s` : 'FAIL'}`,
    )
  }
  return { loopback, disk: m.ok ? ddBytes / MiB / m.wallS : null, bytes, startup }
}

async function main(): Promise<void> {
  console.log(`Downpour benchmark: node ${process.version} (${process.execPath})`)
  console.log(
    `data dir ${dataDir}; scale ${scale}; ${runs} run(s); workloads ${only.join(',')}; tools ${tools.join(',')}`,
  )
  if (timeBin === null)
    console.log('GNU time not found (apt-get install -y time): reading CPU/RSS from /proc instead')
  if (tools.includes('downpour') && !existsSync(cli)) {
    console.log(`note: ${path.relative(repoRoot, cli)} does not exist yet: Downpour rows will FAIL`)
  }
  mkdirSync(workDir, { recursive: true })
  const store = openFixtureStore(dataDir)

  server = await startServer({ root: store.root, kind: serverKind, pinCpus: serverCpus })
  console.log(`server: ${server.version} at ${server.baseUrl} (serving pid ${server.cpuPid})`)

  const versions = {
    aria2c: versionLine(bins.aria2c, ['--version']),
    curl: versionLine(bins.curl, ['--version']),
    wget: versionLine(bins.wget, ['--version']),
    server: server.version,
  }
  const limits = await machineLimits(store)
  const machine: MachineInfo = {
    date: new Date().toISOString(),
    kernel: os.release(),
    cpu: os.cpus()[0]?.model ?? 'unknown CPU',
    cores: os.cpus().length,
    memGiB: os.totalmem() / GiB,
    node: process.version,
    nodePath: process.execPath,
    server: server.version,
    versions,
    loopbackMiBs: limits.loopback,
    diskMiBs: limits.disk,
    startupS: limits.startup,
    limitBytes: limits.bytes,
    scale,
    runs,
    pinned: values.pin ? `server taskset -c ${serverCpus}, clients taskset -c ${clientCpus}` : null,
    measurement: timeBin !== null ? 'gnu-time' : 'proc',
    dataDir,
  }
  const report: Report = { machine, workloads: [] }
  const paths: Paths = {
    dir: outDir,
    state: path.join(outDir, 'state'),
    name: '',
    url: '',
    list: path.join(workDir, 'urls.txt'),
    cfg: path.join(workDir, 'curl.cfg'),
    node: process.execPath,
    cli,
    floor: path.join(repoRoot, 'bench', 'node-floor.ts'),
  }

  for (const id of only) {
    if (id === 'W5' || id === 'RPC' || id === 'MIRRORS') continue // its own harness, below
    const w = await buildWorkload(id as WorkloadId, { store, baseUrl: server.baseUrl, scale })
    console.log(`\n== ${w.id}: ${w.title}`)
    const p: Paths = { ...paths, url: w.url, name: w.name }
    const display: Paths = {
      ...PLACEHOLDERS,
      url: w.url === '' ? 'URL' : w.url.replace(server.baseUrl, 'http://127.0.0.1:PORT'),
    }
    const results: CompetitorResult[] = w.competitors
      .filter((c) => tools.includes(c.tool))
      .map((c) => ({
        name: c.name,
        tool: c.tool,
        command: shellJoin(c.argv({ ...display, name: w.name === '' ? 'NAME' : w.name })),
        skipped: bins[c.tool] === null ? `${c.tool} not found on PATH` : null,
        runs: [],
      }))
    for (const r of results) if (r.skipped !== null) console.log(`skipping ${r.name}: ${r.skipped}`)
    const active = results.filter((r) => r.skipped === null)
    await warmPageCache(store, w.fixtures)
    if (w.warmUrl !== null) await warmGet(w.warmUrl)

    // Each run writes into a folder never used before. Many files are deleted only after the
    // workload (up to KEEP_OUTPUT_BYTES): deleting 2,000 files right before a run made the
    // file system (ext4 with online discard here) create files up to 30x slower during it. A few
    // big files go right after their run (KEEP_OUTPUT_MIN_FILES); the sync before the next run
    // waits for their blocks.
    let kept = 0
    for (let rep = 0; rep < runs; rep++) {
      const order = rep % 2 === 0 ? active : [...active].reverse()
      for (const [position, r] of order.entries()) {
        const c = w.competitors.find((x) => x.name === r.name)
        if (c === undefined) continue
        const runDir = path.join(outDir, `${w.id}-${rep}-${position}`)
        const stateDir = `${runDir}.state`
        rmSync(runDir, { recursive: true, force: true })
        rmSync(stateDir, { recursive: true, force: true })
        mkdirSync(runDir, { recursive: true })
        const rp: Paths = { ...p, dir: runDir, state: stateDir }
        w.prepare(rp)
        syncDisks()
        const m = await measure(c.argv(rp), { ...baseMeasure, serverPid: server.cpuPid })
        if (m.ok) {
          const bad = await verifyOutputs(runDir, w.expected)
          if (bad !== null) {
            m.ok = false
            m.failure = `verify: ${bad}`
          }
        }
        r.runs.push({ ...m, rep, position })
        console.log(`  [${rep + 1}/${runs}] ${r.name.padEnd(30)} ${describe(m)}`)
        if (w.files < KEEP_OUTPUT_MIN_FILES || kept + w.bytes > KEEP_OUTPUT_BYTES)
          rmSync(runDir, { recursive: true, force: true })
        else kept += w.bytes
      }
    }
    rmSync(outDir, { recursive: true, force: true })
    syncDisks()
    const wr: WorkloadResult = {
      id: w.id,
      title: w.title,
      bytes: w.bytes,
      files: w.files,
      baseline: w.baseline,
      tail: w.tail,
      competitors: results,
    }
    report.workloads.push(wr)
  }
  await cleanup()

  let w5: string | null = null
  if (only.includes('W5') && tools.includes('downpour')) {
    console.log('\n== W5: a long list: memory, queue bytes written, time to first byte')
    const rerunS = Math.min(15, durationS)
    const r = await runQueueScale({
      cli,
      workDir,
      count: queueCount,
      durationS,
      rerunS,
      jobs: 16,
    })
    w5 = queueScaleMarkdown(r, durationS, rerunS)
    mkdirSync(path.resolve(values['results-dir']), { recursive: true })
    writeFileSync(
      path.join(path.resolve(values['results-dir']), `w5-${Date.now()}.json`),
      JSON.stringify(r, null, 2),
    )
  }

  if (only.includes('RPC')) {
    // AriaNg's refresh loop against downpour serve and aria2c side by side (its own harness:
    // bench/aria2-rpc-loop.ts prints its table).
    console.log("\n== RPC: AriaNg's refresh loop, downpour serve vs aria2c --enable-rpc")
    const rpc = spawnSync(process.execPath, [path.join(import.meta.dirname, 'aria2-rpc-loop.ts')], {
      stdio: 'inherit',
    })
    if (rpc.status !== 0) console.log(`RPC: the loop benchmark exited with ${rpc.status}`)
  }

  if (only.includes('MIRRORS') && tools.includes('downpour')) {
    // One file from two mirrors capped as a whole (its own harness: bench/mirrors.ts, with
    // Node servers, which can cap a route as a whole).
    console.log('\n== MIRRORS: 100 MiB from mirrors capped at 2 and 8 MiB/s in total')
    const mirrors = spawnSync(
      process.execPath,
      [path.join(import.meta.dirname, 'mirrors.ts'), '--runs', String(runs)],
      { stdio: 'inherit' },
    )
    if (mirrors.status !== 0) console.log(`MIRRORS: the benchmark exited with ${mirrors.status}`)
  }

  console.log('\n================ results ================')
  for (const l of machineLines(machine)) console.log(l)
  for (const w of report.workloads) printTable(w, runs)
  const files = writeResults(report, path.resolve(values['results-dir']))
  console.log(`\n---- markdown (for docs/benchmarks.md) ----\n${markdown(report)}`)
  if (w5 !== null) console.log(`\n${w5}`)
  console.log(
    `results: ${path.relative(process.cwd(), files.json)}, ${path.relative(process.cwd(), files.md)}`,
  )
  const anyFail = report.workloads.some((w) => w.competitors.some((c) => c.runs.some((r) => !r.ok)))
  if (values.strict && anyFail) process.exitCode = 1
}

main().catch(async (e: unknown) => {
  console.error(`bench: ${e instanceof Error ? e.message : String(e)}`)
  await cleanup()
  process.exit(2)
})
