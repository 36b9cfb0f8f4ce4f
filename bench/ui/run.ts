// `npm run bench:ui` — the renderer under load: `downpour serve` with 10,000 queued downloads and
// 200 active against a throttled loopback server, Chromium (Playwright) attached for 20 s while
// the list scrolls and filters. Goals and figures: docs/benchmarks.md, section "UI".
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import type { Browser, BrowserContext } from '@playwright/test'
import { launchBenchChromium } from './launch-chromium.ts'
import { connectClient, startServe } from '../../test/run-serve.ts'
import { startThrottledServer } from './throttled-server.ts'
import { browserProbe, type ProbeFigures } from './page-probe.ts'
import { printLoadProfile, printSteadyLongTasks } from './load-profile.ts'

const repoRoot = resolve(import.meta.dirname, '..', '..')
const { values } = parseArgs({
  options: {
    queued: { type: 'string', default: '10000' },
    // The engine caps maxConcurrentDownloads at 100: 200 transfers are 100 downloads × 2.
    active: { type: 'string', default: '100' },
    connections: { type: 'string', default: '2' },
    seconds: { type: 'string', default: '20' },
    rate: { type: 'string', default: '16384' },
    out: { type: 'string' },
    // Another build of the UI to serve (a base build, to compare back to back).
    'ui-dir': { type: 'string' },
    profile: { type: 'string' },
    // The measured window is always traced (its long tasks attributed on the console, with the
    // main thread's CPU time); this saves the trace to FILE.
    trace: { type: 'string' },
    // A CPU profile (FILE) and a Chromium trace (FILE.trace.json) from navigation to the first
    // rows, summarized on the console: where the main thread spent the load.
    'profile-load': { type: 'string' },
    // With --profile-load: the trace alone (the CPU profiler's own cost slows the load ~1.5×).
    'trace-only': { type: 'boolean', default: false },
    // Load the page this many times (each in a fresh browser context, so nothing is cached)
    // before the measured one, for the first rows' spread on one server.
    // One load on a machine short of cores varies by ±30 %: the figure is the median of five.
    loads: { type: 'string', default: '5' },
    // A/B: another build (e.g. main's out/renderer, copied aside) served beside this one as
    // /base.html; the extra loads alternate base, this build, base, … on the same server.
    'base-ui': { type: 'string' },
  },
})
const queued = Number(values.queued)
const active = Number(values.active)
const connections = Number(values.connections)
const seconds = Number(values.seconds)
const rate = Number(values.rate)

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const log = (line: string) => console.log(`[bench:ui] ${line}`)

const root = await mkdtemp(join(tmpdir(), 'downpour-bench-ui-'))
const uiDir = resolve(values['ui-dir'] ?? join(repoRoot, 'out', 'renderer'))
let servedUi = uiDir
if (values['base-ui']) {
  // Both builds in one folder: hashed asset names do not collide; the base's page is base.html.
  servedUi = join(root, 'ui')
  await cp(join(resolve(values['base-ui']), 'assets'), join(servedUi, 'assets'), {
    recursive: true,
  })
  await cp(join(resolve(values['base-ui']), 'index.html'), join(servedUi, 'base.html'))
  await cp(uiDir, servedUi, { recursive: true })
}
const files = await startThrottledServer({ fileBytes: 64 * 1024 * 1024, bytesPerSecond: rate })
const serve = await startServe(['--dir', join(root, 'downloads')], {
  state: join(root, 'state'),
  uiDir: servedUi,
})
const { socket, client } = await connectClient(serve.origin, {
  authorization: `Bearer ${serve.token}`,
})
let browser: Browser | undefined
try {
  await client.updateSettings({
    maxConcurrentDownloads: active,
    maxConnectionsPerDownload: connections,
    maxConnectionsPerHost: 64,
  })
  const addStart = performance.now()
  for (let i = 0; i < queued; i += 1000) {
    const batch = []
    for (let n = i; n < Math.min(queued, i + 1000); n++)
      batch.push({ url: files.url(n), name: `file-${String(n).padStart(5, '0')}.bin` })
    await client.add(batch)
  }
  log(`queued ${queued} in ${((performance.now() - addStart) / 1000).toFixed(1)} s`)
  // Warm-up: every slot busy and the rate settled before either window is measured.
  for (let i = 0; i < 60 && files.open() < active * connections; i++) await sleep(500)
  await sleep(3000)
  log(`${files.open()} connections open`)

  // Bytes served per second over the window, and how long the server took to answer a tiny
  // request (its 401 page) every 250 ms meanwhile: the engine's event loop also serves the page,
  // so this bounds how soon the first rows can arrive.
  const window = async (): Promise<number> => {
    const from = files.served()
    const t0 = performance.now()
    const end = t0 + seconds * 1000
    const waits: number[] = []
    while (performance.now() < end) {
      const asked = performance.now()
      await fetch(serve.origin + '/', { method: 'HEAD' }).catch(() => {})
      waits.push(performance.now() - asked)
      await sleep(Math.max(0, Math.min(250, end - performance.now())))
    }
    waits.sort((a, b) => a - b)
    const pct = (q: number) => waits[Math.min(waits.length - 1, Math.floor(q * waits.length))] ?? 0
    log(`server answers in p50 ${pct(0.5).toFixed(0)} ms, p95 ${pct(0.95).toFixed(0)} ms`)
    return (files.served() - from) / ((performance.now() - t0) / 1000)
  }
  const headless = await window()
  log(`headless: ${(headless / 1024 / 1024).toFixed(2)} MiB/s`)

  browser = await launchBenchChromium()
  // Extra loads, each in a fresh context (nothing cached) signed in with the first one's cookie.
  const earlierLoads: number[] = []
  const baseLoads: number[] = []
  // Per load of this build: the page's main-thread CPU time until the first rows.
  const threadTimes: number[] = []
  let cookies: Awaited<ReturnType<BrowserContext['cookies']>> = []
  for (let i = 1; i < Number(values.loads); i++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
    const isBase = values['base-ui'] !== undefined && i % 2 === 1 && cookies.length > 0
    await context.addCookies(cookies)
    const earlier = await context.newPage()
    const earlyProbe = await browserProbe(earlier)
    await earlier.goto(
      cookies.length === 0 ? serve.url : `${serve.origin}/${isBase ? 'base.html' : ''}`,
    )
    const { ms, threadMs } = await earlyProbe.firstRows()
    ;(isBase ? baseLoads : earlierLoads).push(ms)
    if (!isBase) threadTimes.push(threadMs)
    log(
      `load ${i}${isBase ? ' (base)' : ''}: first rows after ${ms.toFixed(0)} ms (main thread on a CPU ${threadMs.toFixed(0)} ms)`,
    )
    if (cookies.length === 0) cookies = await context.cookies()
    await sleep(500)
    await context.close()
  }
  if (baseLoads.length > 0) {
    log(
      `first rows, base ${baseLoads.map((x) => x.toFixed(0)).join(' ')} (median ${median(baseLoads).toFixed(0)}); ` +
        `this build ${earlierLoads.map((x) => x.toFixed(0)).join(' ')} (median ${median(earlierLoads).toFixed(0)})`,
    )
  }
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
  const probe = await browserProbe(page)
  const stopLoadProfile = values['profile-load']
    ? await probe.profileLoad({ cpu: !values['trace-only'] })
    : null
  await page.goto(serve.url)
  const { ms: lastLoadMs, threadMs: lastThreadMs } = await probe.firstRows()
  log(
    `first rows after ${lastLoadMs.toFixed(0)} ms (main thread on a CPU ${lastThreadMs.toFixed(0)} ms); load: ${probe.timeline().join(', ')}`,
  )
  const eachLoad = [...earlierLoads, lastLoadMs]
  threadTimes.push(lastThreadMs)
  const firstRowsMs = median(eachLoad)
  if (stopLoadProfile) {
    const file = values['profile-load']!
    const { cpuProfile, trace } = await stopLoadProfile()
    if (cpuProfile) await writeFile(file, JSON.stringify(cpuProfile))
    await writeFile(`${file}.trace.json`, JSON.stringify({ traceEvents: trace }))
    log(`load profile: ${file}, trace: ${file}.trace.json (profiling slows the load itself)`)
    printLoadProfile(cpuProfile, trace, lastLoadMs, uiDir)
  }
  // Steady state starts once the first rows are there and the snapshot was applied; the
  // details panel of an active download is open through the whole measured window.
  await sleep(2000)
  await probe.openDetails()
  await sleep(500)
  const stopProfile = values.profile ? await probe.profile() : null
  const stopTrace = await probe.traceSteady()
  await probe.start()
  const [attached, figures] = await Promise.all([window(), probe.drive(seconds * 1000)])
  if (stopProfile) await writeFile(values.profile!, JSON.stringify(await stopProfile()))
  const trace = await stopTrace()
  if (values.trace) {
    await writeFile(values.trace, JSON.stringify({ traceEvents: trace }))
    log(`trace of the measured window: ${values.trace}`)
  }
  const steadyTasks = printSteadyLongTasks(trace)
  log(`attached: ${(attached / 1024 / 1024).toFixed(2)} MiB/s`)
  const result = {
    command: `npm run bench:ui -- --queued ${queued} --active ${active} --connections ${connections} --seconds ${seconds} --rate ${rate}`,
    date: new Date().toISOString(),
    queued,
    active,
    connections,
    ratePerConnection: rate,
    firstRowsMs,
    firstRowsEachLoadMs: eachLoad,
    // The page's main-thread CPU time in each of those loads (CDP ThreadTime).
    firstRowsThreadMs: threadTimes,
    ...(baseLoads.length > 0 ? { baseFirstRowsEachLoadMs: baseLoads } : {}),
    ...figures,
    // From the trace: tasks over 50 ms whose thread ran over 50 ms on a CPU, and each task's
    // [wall ms, CPU ms].
    longTasksOver50Cpu: steadyTasks?.over50Cpu ?? null,
    tracedLongTasks: steadyTasks?.tasks ?? null,
    throughput: {
      headlessBytesPerS: headless,
      attachedBytesPerS: attached,
      ratio: attached / headless,
    },
  }
  printSummary(result)
  if (values.out) await writeFile(values.out, JSON.stringify(result, null, 2))
} finally {
  await browser?.close()
  client.dispose()
  socket.close()
  serve.child.kill('SIGTERM')
  await Promise.race([serve.exited, sleep(5000)])
  if (serve.child.exitCode === null) serve.child.kill('SIGKILL')
  await files.close()
  await rm(root, { recursive: true, force: true })
}

function printSummary(
  r: {
    firstRowsMs: number
    firstRowsEachLoadMs: number[]
    firstRowsThreadMs: number[]
    longTasksOver50Cpu: number | null
    throughput: { headlessBytesPerS: number; attachedBytesPerS: number; ratio: number }
  } & ProbeFigures,
) {
  const mib = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MiB`
  const rows: [string, string, string, boolean][] = [
    [
      `First rows after load (median)`,
      `${r.firstRowsMs.toFixed(0)} ms (${r.firstRowsEachLoadMs.map((x) => x.toFixed(0)).join(', ')})`,
      '≤ 1000 ms',
      r.firstRowsMs <= 1000,
    ],
    [
      `  main thread on a CPU (median)`,
      `${median(r.firstRowsThreadMs).toFixed(0)} ms (${r.firstRowsThreadMs.map((x) => x.toFixed(0)).join(', ')})`,
      '',
      true,
    ],
    [
      'Long tasks > 50 ms (steady)',
      `${r.longTasksOver50} (longest ${r.longestTaskMs.toFixed(0)} ms; ${r.longTasksAfterSearch} after a search)`,
      '0',
      r.longTasksOver50 === 0,
    ],
    [
      'Of those, > 50 ms on a CPU (trace)',
      r.longTasksOver50Cpu === null ? 'no trace' : String(r.longTasksOver50Cpu),
      '0',
      r.longTasksOver50Cpu === 0,
    ],
    ['Details panel open throughout', r.detailsOpen ? 'yes' : 'no', 'yes', r.detailsOpen],
    ['Frame time p50', `${r.frameP50Ms.toFixed(1)} ms`, '', true],
    ['Frame time p95', `${r.frameP95Ms.toFixed(1)} ms`, '≤ 20 ms', r.frameP95Ms <= 20],
    ['JS heap (max)', mib(r.heapMaxBytes), '< 150 MiB', r.heapMaxBytes < 150 * 1024 * 1024],
    ['WebSocket messages/s', r.wsMessagesPerS.toFixed(1), '≤ 50', r.wsMessagesPerS <= 50],
    ['WebSocket bytes/s', `${(r.wsBytesPerS / 1024).toFixed(1)} KiB`, '', true],
    [
      'Throughput attached / headless',
      `${mib(r.throughput.attachedBytesPerS)}/s / ${mib(r.throughput.headlessBytesPerS)}/s = ${r.throughput.ratio.toFixed(3)}`,
      '≥ 0.95',
      r.throughput.ratio >= 0.95,
    ],
  ]
  for (const [name, value, goal, ok] of rows)
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${name.padEnd(32)} ${value.padEnd(40)} ${goal}`)
}
