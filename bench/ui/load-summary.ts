// Summaries of a page load's V8 CPU profile and Chromium trace (bench:ui --profile-load): where
// the main thread spent the time from navigation to the first rows. Pure functions over the
// JSON that CDP and Chromium write, so they can be tested on small hand-made inputs.

/** A V8 CPU profile as CDP's `Profiler.stop` returns it (timestamps in µs). */
export type CpuProfile = {
  nodes: {
    id: number
    callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number }
    children?: number[]
  }[]
  startTime: number
  endTime: number
  samples: number[]
  timeDeltas: number[]
}

/** Where a profile's call frame came from: a source module and a readable function name. */
export type FrameOrigin = { module: string; name: string }

/** Maps a script URL and 0-based position to its source (through a source map where there is one). */
export type ResolveFrame = (url: string, line: number, column: number) => FrameOrigin | null

export type TimeRow = { name: string; selfMs: number; totalMs: number }

export type CpuSummary = {
  sampledMs: number
  byModule: TimeRow[]
  byFunction: TimeRow[]
}

/**
 * Self and inclusive time per module and per function over the samples in `[fromUs, toUs]`.
 * Inclusive time counts a sample once per module (or function) on its stack, so recursion and
 * a module calling itself are not counted twice. V8's own nodes ("(program)", "(garbage
 * collector)", "(idle)") are modules of their own.
 */
export function summarizeCpuProfile(
  profile: CpuProfile,
  resolveFrame: ResolveFrame,
  fromUs = -Infinity,
  toUs = Infinity,
): CpuSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const parent = new Map<number, number>()
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parent.set(child, node.id)
  const origins = new Map<number, FrameOrigin>()
  const originOf = (id: number): FrameOrigin => {
    let origin = origins.get(id)
    if (origin) return origin
    const { callFrame: f } = byId.get(id)!
    origin =
      (f.url ? resolveFrame(f.url, f.lineNumber, f.columnNumber) : null) ??
      (f.url
        ? { module: f.url, name: `${f.functionName || '(anonymous)'} ${f.url}:${f.lineNumber + 1}` }
        : { module: f.functionName || '(native)', name: f.functionName || '(native)' })
    origins.set(id, origin)
    return origin
  }
  const modules = new Map<string, { self: number; total: number }>()
  const functions = new Map<string, { self: number; total: number }>()
  const add = (table: Map<string, { self: number; total: number }>, key: string) => {
    let row = table.get(key)
    if (!row) table.set(key, (row = { self: 0, total: 0 }))
    return row
  }
  let t = profile.startTime
  let sampledUs = 0
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0
    // A sample stands for the time until the next one.
    const weight = profile.timeDeltas[i + 1] ?? 0
    if (t < fromUs || t > toUs || weight <= 0) continue
    sampledUs += weight
    const leaf = profile.samples[i]!
    if (originOf(leaf).module === '(root)') continue
    add(modules, originOf(leaf).module).self += weight
    add(functions, originOf(leaf).name).self += weight
    const seenModules = new Set<string>()
    const seenFunctions = new Set<string>()
    for (let id: number | undefined = leaf; id !== undefined; id = parent.get(id)) {
      const origin = originOf(id)
      if (origin.module === '(root)') break
      if (!seenModules.has(origin.module)) {
        seenModules.add(origin.module)
        add(modules, origin.module).total += weight
      }
      if (!seenFunctions.has(origin.name)) {
        seenFunctions.add(origin.name)
        add(functions, origin.name).total += weight
      }
    }
  }
  const rows = (table: Map<string, { self: number; total: number }>) =>
    [...table]
      .map(([name, r]) => ({ name, selfMs: r.self / 1000, totalMs: r.total / 1000 }))
      .sort((a, b) => b.selfMs - a.selfMs || b.totalMs - a.totalMs)
  return { sampledMs: sampledUs / 1000, byModule: rows(modules), byFunction: rows(functions) }
}

/** A Chromium trace event (the fields used here). */
export type TraceEvent = {
  name: string
  ph: string
  ts: number
  dur?: number
  /** Thread time: how long the thread ran on a CPU during the event (µs). */
  tts?: number
  tdur?: number
  pid: number
  tid: number
  cat?: string
  args?: { name?: string; data?: Record<string, unknown> }
}

export type MainThreadSummary = {
  /** Self time per trace event name on the renderer's main thread, largest first. */
  byEvent: TimeRow[]
  /**
   * Top-level tasks longer than `longTaskMs`, in order, with what took most of each: the chain
   * of largest children, and the task's self time by event (named with its detail: the event
   * type dispatched, the function called), largest first.
   */
  longTasks: {
    atMs: number
    durMs: number
    /**
     * Of `durMs`, the time the thread was on a CPU (null if the trace has no thread times): a
     * task much longer than its CPU time waited for the OS to schedule the thread.
     */
    cpuMs: number | null
    mostly: string
    inside: string
  }[]
  /** Busy time (top-level tasks) over the window. */
  busyMs: number
  /**
   * Of `busyMs`, the time the thread ran on a CPU (a task cut by the window counts in
   * proportion); null when the trace has no thread times.
   */
  busyCpuMs: number | null
}

/**
 * The renderer main thread's time in `[fromUs, toUs]` by event name (self time: an event's
 * duration minus its children's), and its long top-level tasks, with offsets from `fromUs` (the
 * navigation).
 */
export function summarizeMainThread(
  events: TraceEvent[],
  fromUs: number,
  toUs: number,
  longTaskMs = 16,
): MainThreadSummary {
  const main = mainThreadOf(events)
  // Complete events ('X') and begin/end pairs ('B'/'E') as intervals, nested by time.
  type Interval = { name: string; detail: string; start: number; end: number; cpu: number | null }
  const intervals: Interval[] = []
  const open: TraceEvent[] = []
  for (const e of events) {
    if (main === null || e.pid !== main.pid || e.tid !== main.tid) continue
    if (e.ph === 'X' && e.dur !== undefined)
      intervals.push({
        name: e.name,
        detail: detailOf(e),
        start: e.ts,
        end: e.ts + e.dur,
        cpu: e.tdur ?? null,
      })
    else if (e.ph === 'B') open.push(e)
    else if (e.ph === 'E') {
      const begin = open.pop()
      if (begin)
        intervals.push({
          name: begin.name,
          detail: detailOf(begin),
          start: begin.ts,
          end: e.ts,
          cpu: begin.tts !== undefined && e.tts !== undefined ? e.tts - begin.tts : null,
        })
    }
  }
  intervals.sort((a, b) => a.start - b.start || b.end - a.end)
  type Node = Interval & { children: Node[] }
  const roots: Node[] = []
  const stack: Node[] = []
  for (const iv of intervals) {
    const node: Node = { ...iv, children: [] }
    while (stack.length > 0 && stack.at(-1)!.end <= node.start) stack.pop()
    if (stack.length > 0) stack.at(-1)!.children.push(node)
    else roots.push(node)
    stack.push(node)
  }
  const clip = (n: { start: number; end: number }) =>
    Math.max(0, Math.min(n.end, toUs) - Math.max(n.start, fromUs))
  const self = new Map<string, { self: number; total: number }>()
  const visit = (node: Node, ancestors: Set<string>) => {
    const own = clip(node) - node.children.reduce((sum, c) => sum + clip(c), 0)
    let row = self.get(node.name)
    if (!row) self.set(node.name, (row = { self: 0, total: 0 }))
    row.self += Math.max(0, own)
    if (!ancestors.has(node.name)) row.total += clip(node)
    const inner = new Set(ancestors).add(node.name)
    for (const child of node.children) visit(child, inner)
  }
  let busy = 0
  let busyCpu = 0
  let cpuKnown = true
  const longTasks: MainThreadSummary['longTasks'] = []
  for (const root of roots) {
    if (clip(root) === 0) continue
    busy += clip(root)
    if (root.cpu === null) cpuKnown = false
    else if (root.end > root.start) busyCpu += (root.cpu * clip(root)) / (root.end - root.start)
    visit(root, new Set())
    if (root.end - root.start >= longTaskMs * 1000) {
      // The chain of largest children, two levels down: "v8.evaluateModule > FunctionCall".
      const chain: string[] = []
      for (let n: Node | undefined = root; n && chain.length < 4;) {
        n = n.children.reduce<Node | undefined>(
          (big, c) => (!big || c.end - c.start > big.end - big.start ? c : big),
          undefined,
        )
        if (n) chain.push(`${n.name}${n.detail} ${((n.end - n.start) / 1000).toFixed(0)}`)
      }
      const inside = new Map<string, number>()
      const tally = (n: Node) => {
        const own = n.end - n.start - n.children.reduce((sum, c) => sum + c.end - c.start, 0)
        const key = n.name + n.detail
        inside.set(key, (inside.get(key) ?? 0) + Math.max(0, own))
        n.children.forEach(tally)
      }
      tally(root)
      longTasks.push({
        atMs: (root.start - fromUs) / 1000,
        durMs: (root.end - root.start) / 1000,
        cpuMs: root.cpu === null ? null : root.cpu / 1000,
        mostly: chain.join(' > ') || root.name,
        inside: [...inside]
          .filter(([, us]) => us >= 1000)
          .sort((a, b) => b[1] - a[1])
          .slice(0, 6)
          .map(([key, us]) => `${key} ${(us / 1000).toFixed(0)}`)
          .join(', '),
      })
    }
  }
  const byEvent = [...self]
    .map(([name, r]) => ({ name, selfMs: r.self / 1000, totalMs: r.total / 1000 }))
    .filter((r) => r.totalMs >= 0.05)
    .sort((a, b) => b.selfMs - a.selfMs)
  return {
    byEvent,
    longTasks,
    busyMs: busy / 1000,
    busyCpuMs: cpuKnown && busy > 0 ? busyCpu / 1000 : null,
  }
}

/**
 * What an event was about, where the trace says: the DOM event dispatched, the function called
 * or the timer fired (`FunctionCall(onMessage app.js:12)`); empty for the rest.
 */
function detailOf(e: TraceEvent): string {
  const data = e.args?.data
  if (!data) return ''
  if (typeof data['type'] === 'string' && e.name === 'EventDispatch') return `(${data['type']})`
  if (e.name === 'FunctionCall' || e.name === 'TimerFire' || e.name === 'FireAnimationFrame') {
    const fn = typeof data['functionName'] === 'string' ? data['functionName'] : ''
    const url = typeof data['url'] === 'string' ? (data['url'].split('/').pop() ?? '') : ''
    const line = typeof data['lineNumber'] === 'number' ? `:${data['lineNumber'] + 1}` : ''
    const where = `${fn || '(anonymous)'}${url ? ` ${url}${line}` : ''}`
    return fn || url ? `(${where})` : ''
  }
  return ''
}

/**
 * The page's main thread: the thread that recorded one of the probe's marks,
 * `downpour:first-row` or `downpour:steady` (other renderers, such as about:blank's or the
 * browser's own WebUI, run beside it), else the busiest `CrRendererMain`.
 */
function mainThreadOf(events: TraceEvent[]): { pid: number; tid: number } | null {
  const mark = events.find((e) => e.name === 'downpour:first-row' || e.name === 'downpour:steady')
  if (mark) return { pid: mark.pid, tid: mark.tid }
  const candidates = events.filter(
    (e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain',
  )
  let best: { pid: number; tid: number } | null = null
  let bestCount = -1
  for (const c of candidates) {
    const count = events.filter((e) => e.pid === c.pid && e.tid === c.tid).length
    if (count > bestCount) {
      best = { pid: c.pid, tid: c.tid }
      bestCount = count
    }
  }
  return best
}

/** A few lines for the console: the largest rows of a table, `ms self / ms total  name`. */
export function formatRows(rows: TimeRow[], limit: number): string[] {
  return rows
    .slice(0, limit)
    .map(
      (r) =>
        `${r.selfMs.toFixed(1).padStart(7)} ms self ${r.totalMs.toFixed(1).padStart(7)} ms total  ${r.name}`,
    )
}
