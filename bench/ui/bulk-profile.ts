// bench/ui/bulk-run.ts --profile DIR: where each bulk step's time went, on both sides. The page
// is profiled per step through CDP (Profiler.start/stop); `downpour serve` runs with
// `--cpu-prof` for the whole run and its profile is cut into the steps' windows afterwards
// (V8's profile clock and the bench's `process.hrtime` are both CLOCK_MONOTONIC on Linux).
import { readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Browser, CDPSession, Page } from '@playwright/test'
import {
  formatRows,
  summarizeCpuProfile,
  summarizeMainThread,
  type CpuProfile,
  type ResolveFrame,
  type TraceEvent,
} from './load-summary.ts'
import { sourceFrameResolver } from './source-frames.ts'

const out = (line: string) => console.log(`[bench:ui:bulk:profile] ${line}`)

/** A step's window on the monotonic clock, in µs. */
export type StepWindow = { name: string; fromUs: number; toUs: number }

export const monotonicUs = (): number => Number(process.hrtime.bigint() / 1000n)

/** Node's `--cpu-prof` for the serve process, written into `dir` when it exits. */
export function serveProfileEnv(dir: string): Record<string, string> {
  return { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${dir} --cpu-prof-interval=250` }
}

/**
 * CPU time spent, in ms: the page's main thread (CDP `Performance.getMetrics` ThreadTime) and
 * the serve process (utime + stime from /proc). On a machine shared with other work the wall
 * times swing with the load; these count the work itself, so before/after compare fairly.
 */
export async function cpuMeters(page: Page, servePid: number) {
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('Performance.enable', { timeDomain: 'threadTicks' })
  const ticksPerSecond = 100 // USER_HZ on Linux
  // The whole process (transfer workers, GC helpers), or with `main` its main thread only (the
  // event loop: commands, events, journal), whose task id is the process id.
  const serveMs = async (main = false): Promise<number> => {
    const stat = await readFile(
      main ? `/proc/${servePid}/task/${servePid}/stat` : `/proc/${servePid}/stat`,
      'utf8',
    )
    // Fields after the command's closing parenthesis: utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond
  }
  const pageMs = async (): Promise<number> => {
    const { metrics } = await cdp.send('Performance.getMetrics')
    return (metrics.find((m) => m.name === 'ThreadTime')?.value ?? 0) * 1000
  }
  return async () => ({
    pageMs: await pageMs(),
    serveMs: await serveMs(),
    serveMainMs: await serveMs(true),
  })
}

/**
 * What the page's WebSocket carried (CDP `Network` frame events): frames and characters of
 * JSON each way. Counts, so old and new builds compare on a loaded machine where CPU time
 * swings. With `keep`, the frames' texts are pushed onto it too (`--frames`).
 */
export async function socketMeter(page: Page, keep?: string[]) {
  const cdp = await page.context().newCDPSession(page)
  const totals = { receivedFrames: 0, receivedChars: 0, sentFrames: 0, sentChars: 0 }
  cdp.on('Network.webSocketFrameReceived', ({ response }) => {
    totals.receivedFrames++
    totals.receivedChars += response.payloadData.length
    keep?.push(response.payloadData)
  })
  cdp.on('Network.webSocketFrameSent', ({ response }) => {
    totals.sentFrames++
    totals.sentChars += response.payloadData.length
  })
  await cdp.send('Network.enable')
  return () => ({ ...totals })
}

/** Starts and stops the page's V8 profiler around one step. */
export async function pageProfiler(page: Page): Promise<{
  start: () => Promise<void>
  stop: () => Promise<CpuProfile>
}> {
  const cdp: CDPSession = await page.context().newCDPSession(page)
  await cdp.send('Profiler.enable')
  await cdp.send('Profiler.setSamplingInterval', { interval: 250 })
  return {
    start: async () => {
      await cdp.send('Profiler.start')
    },
    stop: async () => (await cdp.send('Profiler.stop')).profile as unknown as CpuProfile,
  }
}

/**
 * A Chromium trace of one step (`--trace`): what the page's main thread did outside JavaScript
 * too (style, layout, paint, parsing a message), which a V8 profile shows as "(program)".
 */
export function pageTracer(browser: Browser, page: Page) {
  return {
    start: () =>
      browser.startTracing(page, {
        categories: [
          'toplevel',
          'devtools.timeline',
          'disabled-by-default-devtools.timeline',
          'v8',
          'blink.user_timing',
        ],
      }),
    stop: async (): Promise<TraceEvent[]> =>
      (JSON.parse((await browser.stopTracing()).toString('utf8')) as { traceEvents: TraceEvent[] })
        .traceEvents,
  }
}

/** The main thread's busy time by event and its tasks over 50 ms, for one step. */
export function printTraceStep(name: string, trace: TraceEvent[]): void {
  let from = Infinity
  let to = 0
  for (const e of trace) {
    if (e.ts <= 0) continue
    from = Math.min(from, e.ts)
    to = Math.max(to, e.ts + (e.dur ?? 0))
  }
  const main = summarizeMainThread(trace, from, to, 50)
  out(
    `page trace, ${name}: main thread busy ${main.busyMs.toFixed(0)} ms of ${((to - from) / 1000).toFixed(0)} ms; by event (self):`,
  )
  for (const line of formatRows(main.byEvent, 12)) out(`  ${line}`)
  out(`  tasks ≥ 50 ms: ${main.longTasks.length}`)
  for (const t of main.longTasks) {
    const cpu = t.cpuMs === null ? '' : ` (${t.cpuMs.toFixed(0)} ms on a CPU)`
    out(`    +${t.atMs.toFixed(0)} ms  ${t.durMs.toFixed(0)} ms${cpu}  ${t.mostly}`)
    out(`        inside: ${t.inside}`)
  }
}

/** The page's profile of one step, by module and function (self time). */
export async function printPageStep(
  name: string,
  profile: CpuProfile,
  rendererDir: string,
  dir: string,
): Promise<void> {
  await writeFile(
    join(dir, `page-${name.replace(/\W+/g, '-')}.cpuprofile`),
    JSON.stringify(profile),
  )
  const cpu = summarizeCpuProfile(profile, sourceFrameResolver(rendererDir))
  out(`page, ${name}: ${cpu.sampledMs.toFixed(0)} ms sampled; by module:`)
  for (const line of formatRows(cpu.byModule, 8)) out(`  ${line}`)
  out('  by function:')
  for (const line of formatRows(cpu.byFunction, 14)) out(`  ${line}`)
}

/** The serve process's main-thread profile, cut into the steps' windows. */
export async function printServeSteps(dir: string, steps: StepWindow[]): Promise<void> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile') && f.startsWith('CPU'))
  if (files.length === 0) {
    out(`no serve profile in ${dir} (did the process exit cleanly?)`)
    return
  }
  // The largest is the main thread's (transfer workers write theirs too).
  let main: CpuProfile | null = null
  let biggest = -1
  for (const f of files) {
    const p = JSON.parse(await readFile(join(dir, f), 'utf8')) as CpuProfile
    if (p.samples.length > biggest) {
      biggest = p.samples.length
      main = p
    }
  }
  const resolve: ResolveFrame = (url, line) => {
    const path = url.replace(/^file:\/\//, '')
    const src = path.lastIndexOf('/src/')
    const nm = path.lastIndexOf('node_modules/')
    const module =
      nm >= 0 ? path.slice(nm + 13).split('/')[0]! : src >= 0 ? path.slice(src + 1) : path
    return { module, name: `${module}:${line + 1}` }
  }
  for (const step of steps) {
    const cpu = summarizeCpuProfile(main!, withNames(main!, resolve), step.fromUs, step.toUs)
    out(
      `serve, ${step.name}: ${cpu.sampledMs.toFixed(0)} ms sampled over ${((step.toUs - step.fromUs) / 1000).toFixed(0)} ms; by module:`,
    )
    for (const line of formatRows(cpu.byModule, 8)) out(`  ${line}`)
    out('  by function:')
    for (const line of formatRows(cpu.byFunction, 14)) out(`  ${line}`)
  }
}

/** Adds the function's own name to a resolved frame (the serve side runs unminified sources). */
function withNames(profile: CpuProfile, resolve: ResolveFrame): ResolveFrame {
  const names = new Map<string, string>()
  for (const n of profile.nodes) {
    const f = n.callFrame
    names.set(`${f.url}:${f.lineNumber}:${f.columnNumber}`, f.functionName || '(anonymous)')
  }
  return (url, line, column) => {
    const r = resolve(url, line, column)
    if (!r) return null
    return { module: r.module, name: `${names.get(`${url}:${line}:${column}`)} ${r.name}` }
  }
}
