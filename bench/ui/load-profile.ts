import {
  formatRows,
  summarizeCpuProfile,
  summarizeMainThread,
  type CpuProfile,
  type TraceEvent,
} from './load-summary.ts'
import { sourceFrameResolver } from './source-frames.ts'

/** ", of which N ms on a CPU": busy time minus the time the OS kept the thread off a core. */
const onCpu = (ms: number | null): string =>
  ms === null ? '' : `, ${ms.toFixed(0)} ms of it on a CPU`

/**
 * Prints where the page's main thread spent the load (bench:ui --profile-load): trace events by
 * self time, the long tasks in order, and the CPU profile by module and function, all over the
 * window from navigation to the first rows (the probe's `downpour:first-row` mark).
 */
export function printLoadProfile(
  cpuProfile: CpuProfile | null,
  trace: TraceEvent[],
  firstRowsMs: number,
  rendererDir: string,
): void {
  const mark = trace.find((e) => e.name === 'downpour:first-row')
  const toUs = mark?.ts ?? cpuProfile?.endTime ?? 0
  const fromUs = toUs - firstRowsMs * 1000
  const out = (line: string) => console.log(`[bench:ui] ${line}`)
  const main = summarizeMainThread(trace, fromUs, toUs)
  out(
    `main thread busy ${main.busyMs.toFixed(0)} ms of ${firstRowsMs.toFixed(0)} ms${onCpu(main.busyCpuMs)}; by trace event (self):`,
  )
  for (const line of formatRows(main.byEvent, 14)) out(`  ${line}`)
  out('tasks ≥ 16 ms (from navigation):')
  for (const t of main.longTasks)
    out(`  +${t.atMs.toFixed(0)} ms  ${t.durMs.toFixed(0)} ms  ${t.mostly}`)
  if (!cpuProfile) return
  const resolve = sourceFrameResolver(rendererDir)
  const cpu = summarizeCpuProfile(cpuProfile, resolve, fromUs, toUs)
  if (!resolve.mapped())
    out('(no source maps: build with DOWNPOUR_SOURCEMAP=1 for modules and original names)')
  out(`CPU profile, ${cpu.sampledMs.toFixed(0)} ms sampled; by module:`)
  for (const line of formatRows(cpu.byModule, 14)) out(`  ${line}`)
  out('by function:')
  for (const line of formatRows(cpu.byFunction, 20)) out(`  ${line}`)
}

/** The measured window's long tasks, by wall time and by the main thread's CPU time. */
export type SteadyTasks = {
  /** Tasks over 50 ms by wall time, as the trace saw them. */
  over50: number
  /** Of those, tasks whose thread ran over 50 ms on a CPU (the page's own work). */
  over50Cpu: number
  /** Per task over 50 ms: [wall ms, CPU ms]. */
  tasks: [number, number | null][]
}

/**
 * Prints the measured window's tasks over 50 ms (bench:ui): when, how long, how much of it the
 * main thread ran on a CPU, the chain of largest children, self time inside by event, and how
 * long after a search each began. On a machine short of cores a task can last far longer than
 * the work in it: the difference is time the OS gave the thread's core to other processes.
 */
export function printSteadyLongTasks(trace: TraceEvent[]): SteadyTasks | null {
  const out = (line: string) => console.log(`[bench:ui] ${line}`)
  const start = trace.find((e) => e.name === 'downpour:steady')
  if (!start) {
    out('the trace holds no downpour:steady mark')
    return null
  }
  // A loop, not Math.max(...): a 20 s trace holds ~200,000 events, past the call stack's limit.
  const end = trace.reduce((latest, e) => Math.max(latest, e.ts + (e.dur ?? 0)), 0)
  const searches = trace.filter((e) => e.name === 'downpour:search').map((e) => e.ts)
  const main = summarizeMainThread(trace, start.ts, end, 50)
  out(
    `main thread busy ${main.busyMs.toFixed(0)} ms of ${((end - start.ts) / 1000).toFixed(0)} ms${onCpu(main.busyCpuMs)}; by trace event (self):`,
  )
  for (const line of formatRows(main.byEvent, 8)) out(`  ${line}`)
  out(`tasks ≥ 50 ms: ${main.longTasks.length}`)
  for (const t of main.longTasks) {
    const at = start.ts + t.atMs * 1000
    const search = searches.filter((s) => s <= at).at(-1)
    const after =
      search !== undefined && at - search < 500_000
        ? `, ${((at - search) / 1000).toFixed(0)} ms after a search`
        : ''
    const cpu = t.cpuMs === null ? '' : ` (${t.cpuMs.toFixed(0)} ms on a CPU)`
    out(`  +${t.atMs.toFixed(0)} ms  ${t.durMs.toFixed(0)} ms${cpu}${after}  ${t.mostly}`)
    out(`      inside: ${t.inside}`)
  }
  return {
    over50: main.longTasks.length,
    over50Cpu: main.longTasks.filter((t) => (t.cpuMs ?? t.durMs) > 50).length,
    tasks: main.longTasks.map((t) => [t.durMs, t.cpuMs]),
  }
}
