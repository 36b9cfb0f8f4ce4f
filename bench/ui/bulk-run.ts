// `npm run bench:ui` (second part) — bulk actions through the window: 10,000 URLs added through
// the add dialog, Pause all, Resume all, select all + Remove, then a reload with 100,000 queued.
// `downpour serve` against a throttled loopback server (-j 100, 64 per host), Chromium attached.
// Budgets (issue 24) are printed beside the figures; docs/benchmarks.md, section "Bulk actions".
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import type { Browser } from '@playwright/test'
import { launchBenchChromium } from './launch-chromium.ts'
import { connectClient, startServe } from '../../test/run-serve.ts'
import { startThrottledServer } from './throttled-server.ts'
import { browserProbe } from './page-probe.ts'
import {
  monotonicUs,
  cpuMeters,
  pageProfiler,
  pageTracer,
  printPageStep,
  printTraceStep,
  printServeSteps,
  serveProfileEnv,
  socketMeter,
  type StepWindow,
} from './bulk-profile.ts'

const repoRoot = resolve(import.meta.dirname, '..', '..')
const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '10000' },
    reload: { type: 'string', default: '100000' },
    rate: { type: 'string', default: '16384' },
    out: { type: 'string' },
    /** A folder for CPU profiles of each step: the page's (CDP) and the serve process's. */
    profile: { type: 'string' },
    /** Chromium traces of each step: the page's main thread by event and its long tasks. */
    trace: { type: 'boolean', default: false },
    /** With --trace and no --profile: a folder to keep the traces in. */
    'keep-trace': { type: 'string' },
    /** The built page to serve (default: this checkout's out/renderer) — another build's, to
     * compare two pages against one engine and one bench. */
    ui: { type: 'string' },
    /** Only the add through the dialog (no Pause/Resume/Remove, no reload): `--only add`. */
    only: { type: 'string' },
    /**
     * A file for the WebSocket frames the page received during the add (JSON lines, in order):
     * what bench/ui/add-replay.ts feeds through the page's store, old and new side by side.
     */
    frames: { type: 'string' },
  },
})
if (values.only !== undefined && values.only !== 'add')
  throw new Error(`--only takes "add" (got "${values.only}")`)
const addOnly = values.only === 'add'
const count = Number(values.count)
const reloadCount = Number(values.reload)
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const log = (line: string) => console.log(`[bench:ui:bulk] ${line}`)

type InPage = typeof globalThis & {
  __bulk: {
    clicks: { at: number; kind: string | null }[]
    pressed: { at: number; kind: string }[]
    longTasks: { start: number; duration: number }[]
    health: { at: number; health: string }[]
    doneAt: number | null
    domBatches: number
    commits: number
    socket: { receivedFrames: number; receivedChars: number; sentFrames: number; sentChars: number }
  }
}

/**
 * Long tasks, clicks (with the filter tab clicked, if any), tab switches and the light, kept in
 * `globalThis.__bulk`. Plain JavaScript: the bench is typechecked without the DOM's types.
 */
const INSTRUMENT = `(() => {
  const bulk = { clicks: [], pressed: [], longTasks: [], health: [], doneAt: null, domBatches: 0, commits: 0,
    socket: { receivedFrames: 0, receivedChars: 0, sentFrames: 0, sentChars: 0 } }
  globalThis.__bulk = bulk
  // The WebSocket's traffic, counted in the page. Not through CDP's Network domain: with it
  // on, the page's own thread copies every frame into a DevTools event (~24 ms of CPU for each
  // 417 KB download/added part, a quarter of the page's CPU during the add of 10,000), which
  // the bench then counted as the page's work and inside its long tasks.
  const Socket = globalThis.WebSocket
  globalThis.WebSocket = class extends Socket {
    constructor(...args) {
      super(...args)
      this.addEventListener('message', (event) => {
        if (typeof event.data !== 'string') return
        bulk.socket.receivedFrames++
        bulk.socket.receivedChars += event.data.length
      })
    }
    send(data) {
      bulk.socket.sentFrames++
      bulk.socket.sentChars += data.length
      super.send(data)
    }
  }
  // React's commits, counted through the hook its developer tools use (production builds call
  // it too): renders that changed no DOM count as well.
  globalThis.__REACT_DEVTOOLS_GLOBAL_HOOK__ = {
    supportsFiber: true,
    renderers: new Map(),
    inject() { return 1 },
    onCommitFiberRoot() { bulk.commits++ },
    onCommitFiberUnmount() {},
    onPostCommitFiberRoot() {},
    checkDCE() {},
  }
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) bulk.longTasks.push({ start: e.startTime, duration: e.duration })
  }).observe({ type: 'longtask' })
  document.addEventListener('click', (event) => {
    const tab = event.target && event.target.closest ? event.target.closest('.filter[data-kind]') : null
    bulk.clicks.push({ at: event.timeStamp, kind: tab ? tab.getAttribute('data-kind') : null })
  }, true)
  const watch = () => new MutationObserver((records) => {
    const at = performance.now()
    for (const r of records) {
      if (r.attributeName === 'data-health') bulk.health.push({ at, health: r.target.getAttribute('data-health') || '' })
      else if (r.attributeName === 'aria-pressed' && r.target.getAttribute('aria-pressed') === 'true')
        bulk.pressed.push({ at, kind: r.target.getAttribute('data-kind') || '' })
    }
  }).observe(document, { attributes: true, subtree: true, attributeFilter: ['data-health', 'aria-pressed'] })
  // One callback per task that changed the DOM (a microtask after it).
  const domWatch = () => new MutationObserver(() => bulk.domBatches++)
    .observe(document.body, { childList: true, characterData: true, attributes: true, subtree: true })
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', () => (watch(), domWatch()))
  else (watch(), domWatch())
})()`

/** The count a filter tab shows (`all`, `active`, `paused`…). */
function countScript(kind: string): string {
  return `Number((document.querySelector('.filter[data-kind="${kind}"] .filter__count')?.textContent ?? '').replace(/\\D/g, '') || 0)`
}

type Step = {
  name: string
  /** ms from the click that started it until the condition held in the page. */
  reflectedMs: number
  longestTaskMs: number
  longTasksOver100: number
  /** ms from a click on a filter tab, made just after the action's click, to the tab pressed. */
  tabAnswerMs: number | null
  /** The light's states seen during the step. */
  health: string[]
  /** The longest gap between two of the engine's beats (engine clock) during the step. */
  engineBeatGapMs: number
  /** Tasks that changed the page's DOM during the step (MutationObserver callbacks): renders. */
  domBatches: number
  /** React commits during the step (see INSTRUMENT). */
  commits: number
  /** CPU time of the page's main thread and of the serve process over the step (see cpuMeters). */
  pageCpuMs: number
  serveCpuMs: number
  /** The serve process's main thread alone (its event loop; the rest is transfer workers, GC). */
  serveMainCpuMs: number
  /** The page's WebSocket over the step: frames and characters of JSON received and sent. */
  socket: { receivedFrames: number; receivedChars: number; sentFrames: number; sentChars: number }
}

const root = await mkdtemp(join(tmpdir(), 'downpour-bench-bulk-'))
const files = await startThrottledServer({
  fileBytes: 64 * 1024 * 1024,
  bytesPerSecond: Number(values.rate),
})
const profileDir = values.profile ? resolve(values.profile) : null
if (profileDir) await mkdir(profileDir, { recursive: true })
const rendererDir = resolve(values.ui ?? join(repoRoot, 'out', 'renderer'))
const serve = await startServe(['--dir', join(root, 'downloads')], {
  state: join(root, 'state'),
  uiDir: rendererDir,
  ...(profileDir ? { env: serveProfileEnv(profileDir) } : {}),
})
const windows: StepWindow[] = []
const { socket, client } = await connectClient(serve.origin, {
  authorization: `Bearer ${serve.token}`,
})
// The engine's own beat pace, seen by a plain client: "on time" is judged from these.
let lastBeat: number | null = null
let beatGap = 0
client.on('progress/beat', (beat) => {
  if (lastBeat !== null) beatGap = Math.max(beatGap, beat.at - lastBeat)
  lastBeat = beat.at
})
let browser: Browser | undefined
const steps: Step[] = []
const result: Record<string, unknown> = { date: new Date().toISOString(), count, reloadCount }
try {
  await client.updateSettings({
    maxConcurrentDownloads: 100,
    maxConnectionsPerDownload: 1,
    maxConnectionsPerHost: 64,
  })
  browser = await launchBenchChromium()
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
  await page.addInitScript({ content: INSTRUMENT })
  await page.goto(serve.url)
  await page.locator('[data-health="live"]').waitFor({ timeout: 30_000 })
  const profiler = profileDir ? await pageProfiler(page) : null
  const tracer = values.trace ? pageTracer(browser, page) : null
  const cpu = await cpuMeters(page, serve.child.pid!)
  const frames: string[] = []
  // CDP's frame events only for --frames (they cost the page, see INSTRUMENT's socket).
  if (values.frames) await socketMeter(page, frames)
  const socketTotals = () =>
    page.evaluate(() => ({ ...(globalThis as unknown as InPage).__bulk.socket }))

  /** Clicks `target`, clicks the Active tab then All, waits for `done` (a page expression). */
  const step = async (name: string, click: () => Promise<void>, done: string): Promise<Step> => {
    await page.evaluate(() => {
      const b = (globalThis as unknown as InPage).__bulk
      b.clicks = []
      b.pressed = []
      b.longTasks = []
      b.health = []
      b.doneAt = null
      b.domBatches = 0
      b.commits = 0
    })
    beatGap = 0
    await page.evaluate(`(() => {
      const b = globalThis.__bulk
      const check = () => {
        if (${done}) b.doneAt = performance.now()
        else requestAnimationFrame(check)
      }
      requestAnimationFrame(check)
    })()`)
    await profiler?.start()
    await tracer?.start()
    const cpuBefore = await cpu()
    const socketBefore = await socketTotals()
    const fromUs = monotonicUs()
    await click()
    await page.locator('.filter[data-kind="active"]').click()
    await page.locator('.filter[data-kind="all"]').click()
    // Checked in the page on every frame (a string: the page's CSP refuses eval, which
    // waitForFunction needs), so the time is the first frame it held on.
    const until = performance.now() + 180_000
    while (performance.now() < until) {
      const doneAt = await page.evaluate('globalThis.__bulk.doneAt')
      if (doneAt !== null) break
      await sleep(100)
    }
    windows.push({ name, fromUs, toUs: monotonicUs() })
    const cpuAfter = await cpu()
    const socketAfter = await socketTotals()
    if (profiler) await printPageStep(name, await profiler.stop(), rendererDir, profileDir!)
    if (tracer) {
      const trace = await tracer.stop()
      printTraceStep(name, trace)
      // Kept beside the profiles (--profile DIR) or in --keep-trace DIR: open in Chromium.s
      // performance panel.
      const traceDir = profileDir ?? values['keep-trace']
      if (traceDir)
        await writeFile(
          join(traceDir, `trace-${name.replace(/\W+/g, '-')}.json`),
          JSON.stringify({ traceEvents: trace }),
        )
    }
    await sleep(500)
    const s = await page.evaluate(() => (globalThis as unknown as InPage).__bulk)
    const start = s.clicks[0]!.at
    const tabClick = s.clicks.find((c) => c.kind === 'active')
    const tabPressed = s.pressed.find((p) => p.kind === 'active' && p.at >= (tabClick?.at ?? 0))
    const during = s.longTasks.filter((t) => t.start + t.duration >= start)
    const r: Step = {
      name,
      reflectedMs: s.doneAt! - start,
      longestTaskMs: Math.max(0, ...during.map((t) => t.duration)),
      longTasksOver100: during.filter((t) => t.duration > 100).length,
      tabAnswerMs: tabClick && tabPressed ? tabPressed.at - tabClick.at : null,
      health: [...new Set(s.health.map((h) => h.health))],
      engineBeatGapMs: beatGap,
      domBatches: s.domBatches,
      commits: s.commits,
      pageCpuMs: cpuAfter.pageMs - cpuBefore.pageMs,
      serveCpuMs: cpuAfter.serveMs - cpuBefore.serveMs,
      serveMainCpuMs: cpuAfter.serveMainMs - cpuBefore.serveMainMs,
      socket: {
        receivedFrames: socketAfter.receivedFrames - socketBefore.receivedFrames,
        receivedChars: socketAfter.receivedChars - socketBefore.receivedChars,
        sentFrames: socketAfter.sentFrames - socketBefore.sentFrames,
        sentChars: socketAfter.sentChars - socketBefore.sentChars,
      },
    }
    log(JSON.stringify(r))
    steps.push(r)
    return r
  }

  // 1. Add through the dialog: the list typed into its box, confirmed.
  const urls = Array.from({ length: count }, (_, n) => files.url(n)).join('\n')
  // Dropped on the window as links dragged in from a browser (a real DragEvent/DataTransfer):
  // typing 10,000 lines into the box took Playwright over 30 s.
  await page.evaluate(`(() => {
    const data = new DataTransfer()
    data.setData('text/uri-list', ${JSON.stringify(urls)})
    for (const type of ['dragenter', 'dragover', 'drop'])
      document.body.dispatchEvent(new DragEvent(type, { dataTransfer: data, bubbles: true, cancelable: true }))
  })()`)
  const dialog = page.getByRole('dialog', { name: 'Add downloads' })
  const confirm = dialog.getByRole('button', {
    name: `Add ${count.toLocaleString('en')} downloads`,
  })
  await confirm.waitFor({ timeout: 60_000 }).catch(async (error: unknown) => {
    log(
      `no confirm button; the page says: ${(await page.locator('body').textContent())?.slice(0, 400)}`,
    )
    throw error
  })
  let firstByteMs: number | null = null
  const clickedAt = performance.now()
  const firstByte = (async () => {
    while (files.served() === 0 && performance.now() - clickedAt < 60_000) await sleep(5)
    firstByteMs = performance.now() - clickedAt
  })()
  frames.length = 0 // The add's own, not the load's.
  await step('add', () => confirm.click(), `${countScript('all')} === ${count}`)
  await firstByte
  result.firstByteMs = firstByteMs
  log(`first byte ${firstByteMs} ms after the click (measured from the bench's side)`)
  if (values.frames)
    await writeFile(values.frames, frames.map((f) => JSON.stringify(f)).join('\n') + '\n')
  if (!addOnly) {
    await sleep(3000)
    // 2-4. Pause all, Resume all, select all + Remove: every count and every row drawn.
    const rowsSay = (word: string, all: boolean) =>
      `Array.from(document.querySelectorAll('[role="row"][data-id]')).${all ? 'every' : 'some'}((r) => r.textContent.includes('${word}'))`
    await step(
      'pause all',
      () => page.getByRole('button', { name: 'Pause all' }).click(),
      `${countScript('paused')} === ${count} && ${rowsSay('Paused', true)}`,
    )
    await step(
      'resume all',
      () => page.getByRole('button', { name: 'Resume all' }).click(),
      `${countScript('paused')} === 0 && !${rowsSay('Paused', false)}`,
    )
    await sleep(3000)
    await page.locator('[role="row"][data-id]').first().click()
    await page.keyboard.press('Control+a')
    await page.keyboard.press('Delete')
    const removeDialog = page.getByRole('dialog')
    await step(
      'remove all',
      () => removeDialog.getByRole('button', { name: 'Remove', exact: true }).click(),
      `${countScript('all')} === 0 && document.querySelectorAll('[role="row"][data-id]').length === 0`,
    )
  }
  await page.close()

  // 5. A reload with 100,000 queued: first rows, scrolling, heap (--reload 0 leaves it out).
  if (reloadCount > 0 && !addOnly) await reloadStep(browser)
} finally {
  await browser?.close()
  client.dispose()
  socket.close()
  serve.child.kill('SIGTERM')
  await Promise.race([serve.exited, sleep(profileDir ? 30_000 : 5000)])
  if (serve.child.exitCode === null) serve.child.kill('SIGKILL')
  await files.close()
  await rm(root, { recursive: true, force: true })
}
if (profileDir) {
  // The steps' windows on the monotonic clock, to cut the serve profile again afterwards.
  await writeFile(join(profileDir, 'windows.json'), JSON.stringify(windows))
  await printServeSteps(profileDir, windows)
}

async function reloadStep(browser: Browser): Promise<void> {
  const addStart = performance.now()
  for (let i = 0; i < reloadCount; i += 1000) {
    const batch = []
    for (let n = i; n < Math.min(reloadCount, i + 1000); n++)
      batch.push({ url: files.url(count + n), name: `file-${String(n).padStart(6, '0')}.bin` })
    await client.add(batch)
  }
  log(`queued ${reloadCount} in ${((performance.now() - addStart) / 1000).toFixed(1)} s`)
  await sleep(3000)
  const big = await browser.newPage({ viewport: { width: 1280, height: 800 } })
  // React's commits while scrolling (see INSTRUMENT): rows that re-render on a clock show here.
  await big.addInitScript({
    content: `globalThis.__commits = 0; globalThis.__REACT_DEVTOOLS_GLOBAL_HOOK__ = {
      supportsFiber: true, renderers: new Map(), inject() { return 1 },
      onCommitFiberRoot() { globalThis.__commits++ }, onCommitFiberUnmount() {},
      onPostCommitFiberRoot() {}, checkDCE() {} }`,
  })
  const probe = await browserProbe(big)
  await big.goto(serve.url)
  const { ms: firstRowsMs } = await probe.firstRows()
  for (let i = 0; i < 900; i++) {
    if ((await big.evaluate(countScript('all'))) === reloadCount) break
    await sleep(200)
  }
  await sleep(1000)
  await probe.start()
  await big.evaluate('globalThis.__commits = 0')
  const figures = await probe.drive(10_000)
  result.reload = {
    firstRowsMs,
    frameP95Ms: figures.frameP95Ms,
    heapMaxBytes: figures.heapMaxBytes,
    longestTaskMs: figures.longestTaskMs,
    commitsWhileDriving: await big.evaluate('globalThis.__commits'),
  }
  log(JSON.stringify(result.reload))
}

result.steps = steps
/** name, value, budget, met (null: a figure without a budget). */
const rows: [string, string, string, boolean | null][] = []
for (const s of steps) {
  const limit = s.name === 'add' ? 2000 : 1000
  rows.push([
    `${s.name}: reflected on every row`,
    `${s.reflectedMs.toFixed(0)} ms`,
    `≤ ${limit} ms`,
    s.reflectedMs <= limit,
  ])
  rows.push([
    `  longest task`,
    `${s.longestTaskMs.toFixed(0)} ms`,
    '≤ 100 ms',
    s.longTasksOver100 === 0,
  ])
  rows.push([
    `  CPU: page main thread / serve (its main thread)`,
    `${s.pageCpuMs.toFixed(0)} / ${s.serveCpuMs.toFixed(0)} (${s.serveMainCpuMs.toFixed(0)}) ms`,
    '(no budget: the work itself)',
    null,
  ])
  rows.push([
    `  socket: received / sent (frames, MB of JSON)`,
    `${s.socket.receivedFrames}, ${(s.socket.receivedChars / 1e6).toFixed(2)} / ${s.socket.sentFrames}, ${(s.socket.sentChars / 1e6).toFixed(2)}`,
    '(no budget)',
    null,
  ])
  rows.push([
    `  React commits / tasks that changed the DOM`,
    `${s.commits} / ${s.domBatches}`,
    '(no budget)',
    null,
  ])
  rows.push([
    `  filter tab answers`,
    s.tabAnswerMs === null ? 'not seen' : `${s.tabAnswerMs.toFixed(0)} ms`,
    '≤ 100 ms',
    s.tabAnswerMs !== null && s.tabAnswerMs <= 100,
  ])
  const onTime = s.engineBeatGapMs < 1000
  rows.push([
    `  light (engine beat gap ${s.engineBeatGapMs} ms)`,
    s.health.join(', ') || 'unchanged',
    onTime ? 'never dead/late' : '(engine late)',
    !onTime || !s.health.some((h) => h === 'dead' || h === 'late'),
  ])
}
const fb = result.firstByteMs as number | null
rows.push([
  'add: first byte',
  fb === null ? 'none' : `${fb.toFixed(0)} ms`,
  '≤ 1000 ms',
  fb !== null && fb <= 1000,
])
const reload = result.reload as
  { firstRowsMs: number; frameP95Ms: number; heapMaxBytes: number } | undefined
if (reload) {
  rows.push([
    `reload ${reloadCount}: first rows`,
    `${reload.firstRowsMs.toFixed(0)} ms`,
    '≤ 1500 ms',
    reload.firstRowsMs <= 1500,
  ])
  rows.push([
    '  scrolling frame p95',
    `${reload.frameP95Ms.toFixed(1)} ms`,
    '≤ 20 ms',
    reload.frameP95Ms <= 20,
  ])
  rows.push([
    '  JS heap (max)',
    `${(reload.heapMaxBytes / 1024 / 1024).toFixed(0)} MiB`,
    '< 300 MiB',
    reload.heapMaxBytes < 300 * 1024 * 1024,
  ])
}
for (const [name, value, goal, ok] of rows)
  console.log(
    `${ok === null ? '    ' : ok ? 'ok  ' : 'FAIL'} ${name.padEnd(44)} ${value.padEnd(22)} ${goal}`,
  )
if (values.out) await writeFile(values.out, JSON.stringify(result, null, 2))
