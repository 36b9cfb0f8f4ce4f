import type { Page } from '@playwright/test'
import type { CpuProfile, TraceEvent } from './load-summary.ts'

/** What the page did during the measured window. */
export type ProbeFigures = {
  measuredS: number
  longTasksOver50: number
  longestTaskMs: number
  /** Of those, how many began within 500 ms after the search box was filled or cleared. */
  longTasksAfterSearch: number
  frames: number
  frameP50Ms: number
  frameP95Ms: number
  heapMaxBytes: number
  wsMessagesPerS: number
  wsBytesPerS: number
  /** Rows of the grid in the DOM at the end (virtualization keeps this small). */
  domRows: number
  /** Whether the details panel was still open when the window ended (the issue asks for it). */
  detailsOpen: boolean
}

// e2e and bench code is typechecked with Node's lib: the DOM globals used in the page are
// declared here, as in e2e/browser-globals.ts.
type PageGlobals = {
  document: {
    readyState: string
    addEventListener(type: string, listener: () => void): void
    querySelector(selector: string): unknown
    querySelectorAll(selector: string): { length: number }
  }
  MutationObserver: new (callback: () => void) => {
    observe(target: unknown, options: Record<string, boolean>): void
    disconnect(): void
  }
  requestAnimationFrame(callback: (t: number) => void): number
  PerformanceObserver: new (
    callback: (list: { getEntries(): { duration: number; startTime: number }[] }) => void,
  ) => {
    observe(options: { type: string }): void
  }
  __probe: {
    firstRowAt: number | null
    recording: boolean
    longTasks: { start: number; duration: number }[]
    frames: number[]
    searches: number[]
    startFrames?: () => void
  }
}

/**
 * Instruments a page before it loads: the time the first download row appears (from navigation
 * start), long tasks and rAF frame intervals once `start()` is called, and — through CDP — the
 * WebSocket frames received and the JS heap.
 */
export async function browserProbe(page: Page) {
  await page.addInitScript(() => {
    const g = globalThis as unknown as PageGlobals & typeof globalThis
    const { document, MutationObserver, PerformanceObserver } = g
    const requestAnimationFrame = g.requestAnimationFrame.bind(g)
    const probe: PageGlobals['__probe'] = {
      firstRowAt: null,
      recording: false,
      longTasks: [],
      frames: [],
      searches: [],
    }
    g.__probe = probe
    new PerformanceObserver((list) => {
      if (!probe.recording) return
      for (const entry of list.getEntries())
        probe.longTasks.push({ start: entry.startTime, duration: entry.duration })
    }).observe({ type: 'longtask' })
    // The frame loop starts with the measured window, not at load: a page asking for a frame
    // every vsync while it loads is a page the browser keeps rendering, which delayed the
    // load's own tasks (scripts arriving, the socket) on the starved machine.
    let last = 0
    const frame = (t: number) => {
      if (probe.recording && last) probe.frames.push(t - last)
      last = t
      requestAnimationFrame(frame)
    }
    probe.startFrames = () => requestAnimationFrame(frame)
    const watch = () => {
      const seen = () => {
        if (probe.firstRowAt === null && document.querySelector('[role="row"][data-id]')) {
          probe.firstRowAt = performance.now()
          // In a trace (--profile-load) this marks the end of the load.
          performance.mark('downpour:first-row')
          observer.disconnect()
        }
      }
      const observer = new MutationObserver(seen)
      observer.observe(document, { childList: true, subtree: true })
      seen()
    }
    if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', watch)
    else watch()
  })
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('Network.enable')
  // The renderer main thread's CPU time (CDP's ThreadTime): on a machine short of cores a load's
  // wall time is mostly waiting for a core, and this is the part that is the page's own work.
  await cdp.send('Performance.enable')
  const threadSeconds = async (): Promise<number> => {
    const { metrics } = await cdp.send('Performance.getMetrics')
    return metrics.find((m) => m.name === 'ThreadTime')?.value ?? Number.NaN
  }
  const threadBefore = await threadSeconds()
  let counting = false
  let messages = 0
  let bytes = 0
  // The load's timeline, in ms from the document's request: where the first second goes.
  let documentAt: number | null = null
  const timeline: string[] = []
  const note = (what: string, timestamp: number) => {
    if (documentAt === null || timeline.length > 16) return
    timeline.push(`${what} +${((timestamp - documentAt) * 1000).toFixed(0)} ms`)
  }
  cdp.on('Network.requestWillBeSent', (event) => {
    if (event.type === 'Document') documentAt = event.timestamp
  })
  const urls = new Map<string, string>()
  cdp.on('Network.requestWillBeSent', (event) =>
    note(`asked ${event.request.url.split('/').pop()!.split('?')[0]}`, event.timestamp),
  )
  cdp.on('Network.responseReceived', (event) => {
    // How long the server took to start answering (request sent → headers back).
    const t = event.response.timing
    const wait = t
      ? ` (server ${(t.receiveHeadersStart ?? t.receiveHeadersEnd) - t.sendEnd} ms)`
      : ''
    urls.set(event.requestId, `${event.response.url.split('/').pop()!.split('?')[0]}${wait}`)
  })
  cdp.on('Network.loadingFinished', (event) =>
    note(`loaded ${urls.get(event.requestId) ?? '?'}`, event.timestamp),
  )
  cdp.on('Network.webSocketWillSendHandshakeRequest', (event) => note('socket', event.timestamp))
  cdp.on('Network.webSocketFrameSent', (event) =>
    note(`sent ${event.response.payloadData.slice(0, 40)}`, event.timestamp),
  )
  cdp.on('Network.webSocketFrameReceived', (event) => {
    if (!counting)
      return note(`received ${Buffer.byteLength(event.response.payloadData)} B`, event.timestamp)
    messages++
    bytes += Buffer.byteLength(event.response.payloadData)
  })

  return {
    timeline: () => timeline,
    /**
     * Resolves with the ms from navigation to the first row in the DOM, and the CPU time the
     * page's main thread ran until the probe saw it (≤ 50 ms after the row; from the page's
     * creation, which adds ~1 ms of about:blank). Asked over CDP every 50 ms, not with
     * `page.waitForFunction`: that injects Playwright's own script (~0.1 s of the page's main
     * thread on this machine) right when the page is loading.
     */
    async firstRows(): Promise<{ ms: number; threadMs: number }> {
      const until = performance.now() + 60_000
      while (performance.now() < until) {
        const { result } = await cdp.send('Runtime.evaluate', {
          expression: 'globalThis.__probe?.firstRowAt ?? null',
          returnByValue: true,
        })
        if (typeof result.value === 'number') {
          const threadMs = ((await threadSeconds()) - threadBefore) * 1000
          return { ms: result.value, threadMs }
        }
        await new Promise((r) => setTimeout(r, 50))
      }
      throw new Error('no download row appeared within 60 s')
    },
    /**
     * Call before navigating (`--profile-load`): a V8 CPU profile (sampled every 100 µs) and a
     * Chromium trace of the page from navigation on, stopped by the function returned.
     */
    async profileLoad({ cpu = true } = {}): Promise<
      () => Promise<{ cpuProfile: CpuProfile | null; trace: TraceEvent[] }>
    > {
      if (cpu) {
        await cdp.send('Profiler.enable')
        await cdp.send('Profiler.setSamplingInterval', { interval: 100 })
      }
      const stopTrace = await startTrace(page, '--profile-load', ['v8.execute', 'loading'])
      if (cpu) await cdp.send('Profiler.start')
      return async () => {
        const profile = cpu ? (await cdp.send('Profiler.stop')).profile : null
        return { cpuProfile: profile as CpuProfile, trace: await stopTrace() }
      }
    },
    /**
     * Call before `start()` (always; `--trace FILE` keeps it): a Chromium trace of the page's
     * main thread through the measured window, stopped by the function returned; `start()` and
     * each search leave a mark in it (`downpour:steady`, `downpour:search`).
     */
    async traceSteady(): Promise<() => Promise<TraceEvent[]>> {
      return startTrace(page, '--trace')
    },
    /** Starts the V8 sampling profiler (`--profile`): where the long tasks went. */
    async profile(): Promise<() => Promise<unknown>> {
      await cdp.send('Profiler.enable')
      await cdp.send('Profiler.setSamplingInterval', { interval: 500 })
      await cdp.send('Profiler.start')
      return async () => (await cdp.send('Profiler.stop')).profile
    },
    /**
     * Opens the details panel of the first row (an active download: downloads start in queue
     * order) as a person would, click then Enter, and waits for its connection map: the
     * measured window then includes its live canvas, speed graph and `segments/beat`.
     */
    async openDetails(): Promise<void> {
      const row = page.locator('[role="row"][data-id]').first()
      await row.click()
      await page.keyboard.press('Enter')
      await page
        .getByRole('region', { name: /^Details of/ })
        .getByRole('img', { name: /connections?;/ })
        .waitFor({ timeout: 30_000 })
    },
    async start(): Promise<void> {
      await page.evaluate(() => {
        const probe = (globalThis as unknown as PageGlobals).__probe
        probe.recording = true
        probe.startFrames?.()
        performance.mark('downpour:steady')
      })
      counting = true
    },
    /** Scrolls the list and types in the search box for `ms`, then collects the figures. */
    async drive(ms: number): Promise<ProbeFigures> {
      const t0 = performance.now()
      let heapMax = 0
      const grid = page.getByRole('grid', { name: 'Downloads' })
      const box = await grid.boundingBox()
      const search = page.getByRole('searchbox', { name: 'Search names and URLs' })
      let step = 0
      while (performance.now() - t0 < ms) {
        step++
        const { usedSize } = await cdp.send('Runtime.getHeapUsage')
        heapMax = Math.max(heapMax, usedSize)
        const markSearch = () =>
          page.evaluate(() => {
            ;(globalThis as unknown as PageGlobals).__probe.searches.push(performance.now())
            performance.mark('downpour:search')
          })
        if (step % 40 === 20) {
          // Filter: narrow to ~1/10 of the queue, then back to everything.
          await markSearch()
          await search.fill(`file-0${step % 10}`)
        } else if (step % 40 === 30) {
          await markSearch()
          await search.fill('')
        } else if (box) {
          await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2)
          await page.mouse.wheel(0, step % 80 < 40 ? 600 : -400)
        }
        await new Promise((r) => setTimeout(r, 100))
      }
      const measuredS = (performance.now() - t0) / 1000
      counting = false
      const detailsOpen = await page.getByRole('region', { name: /^Details of/ }).isVisible()
      const inPage = await page.evaluate(() => {
        const { __probe: p, document } = globalThis as unknown as PageGlobals
        p.recording = false
        return {
          longTasks: p.longTasks,
          searches: p.searches,
          frames: p.frames,
          domRows: document.querySelectorAll('[role="row"][data-id]').length,
        }
      })
      const sorted = [...inPage.frames].sort((a, b) => a - b)
      const pct = (q: number) =>
        sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0
      return {
        measuredS,
        longTasksOver50: inPage.longTasks.filter((t) => t.duration > 50).length,
        longestTaskMs: Math.max(0, ...inPage.longTasks.map((t) => t.duration)),
        longTasksAfterSearch: inPage.longTasks.filter(
          (t) =>
            t.duration > 50 && inPage.searches.some((at) => t.start >= at && t.start - at < 500),
        ).length,
        frames: sorted.length,
        frameP50Ms: pct(0.5),
        frameP95Ms: pct(0.95),
        heapMaxBytes: heapMax,
        wsMessagesPerS: messages / measuredS,
        wsBytesPerS: bytes / measuredS,
        domRows: inPage.domRows,
        detailsOpen,
      }
    },
  }
}

/** What every trace records: the main thread's tasks and events, with their thread times. */
const TRACE_CATEGORIES = [
  'toplevel',
  'devtools.timeline',
  'disabled-by-default-devtools.timeline',
  'v8',
  'blink.user_timing',
]

/** Starts a Chromium trace of `page`; the function returned stops it and gives its events. */
async function startTrace(
  page: Page,
  option: string,
  extraCategories: string[] = [],
): Promise<() => Promise<TraceEvent[]>> {
  const browser = page.context().browser()
  if (!browser) throw new Error(`${option} needs a launched browser to trace`)
  await browser.startTracing(page, { categories: [...TRACE_CATEGORIES, ...extraCategories] })
  return async () => {
    const buffer = await browser.stopTracing()
    return (JSON.parse(buffer.toString('utf8')) as { traceEvents: TraceEvent[] }).traceEvents
  }
}
