// Summaries, the console table, the markdown for docs/benchmarks.md and the JSON in bench/results/.
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import type { Measurement } from './measure.ts'
import { fmtBytes, fmtNum, GiB, MiB, median, percentile } from './util.ts'
import type { Tool, WorkloadId } from './workloads.ts'

export interface MachineInfo {
  date: string
  kernel: string
  cpu: string
  cores: number
  memGiB: number
  node: string
  nodePath: string
  server: string
  versions: Record<string, string | null>
  /** `curl -o /dev/null` of the W1 file over one loopback connection. */
  loopbackMiBs: number | null
  /** `dd if=/dev/zero bs=1M conv=fdatasync` into the bench data dir. */
  diskMiBs: number | null
  /** Best-of-3 wall time of `node -e 0` and of Downpour's `--version`. */
  startupS: Record<string, number | null>
  limitBytes: number
  scale: number
  runs: number
  pinned: string | null
  measurement: Measurement['method']
  dataDir: string
}

export interface RunRecord extends Measurement {
  rep: number
  /** 0-based position of this competitor in the repetition's order. */
  position: number
}

export interface CompetitorResult {
  name: string
  tool: Tool
  command: string
  skipped: string | null
  runs: RunRecord[]
}

export interface WorkloadResult {
  id: WorkloadId
  title: string
  bytes: number
  files: number
  baseline: string
  tail: boolean
  competitors: CompetitorResult[]
}

export interface Report {
  machine: MachineInfo
  workloads: WorkloadResult[]
}

export interface Summary {
  label: string
  note: string | null
  ok: number
  wallMedian: number
  wallMin: number
  wallMax: number
  p95OverMedian: number
  ratio: number
  mibPerS: number
  filesPerS: number
  cpuPerGiB: number
  cpuMsPerFile: number
  serverCpuPerGiB: number
  peakRssMiB: number
}

function summarizeOne(w: WorkloadResult, c: CompetitorResult, baselineMedian: number): Summary {
  const ok = c.runs.filter((r) => r.ok)
  const walls = ok.map((r) => r.wallS)
  const wallMedian = median(walls)
  const gib = w.bytes / GiB
  const cpu = median(ok.map((r) => r.userS + r.sysS))
  const serverRuns = ok.map((r) => r.serverCpuS).filter((x): x is number => x !== null)
  const failed = c.runs.filter((r) => !r.ok)
  let label = 'OK'
  if (c.skipped !== null) label = 'SKIP'
  else if (failed.length > 0) label = `FAIL ${failed.length}/${c.runs.length}`
  return {
    label,
    note: c.skipped ?? failed[0]?.failure ?? null,
    ok: ok.length,
    wallMedian,
    wallMin: Math.min(...walls),
    wallMax: Math.max(...walls),
    p95OverMedian: percentile(walls, 95) / wallMedian,
    ratio: wallMedian / baselineMedian,
    mibPerS: w.bytes / MiB / wallMedian,
    filesPerS: w.files / wallMedian,
    cpuPerGiB: cpu / gib,
    cpuMsPerFile: (cpu * 1000) / w.files,
    serverCpuPerGiB: median(serverRuns) / gib,
    peakRssMiB: Math.max(...ok.map((r) => r.peakRssMiB)),
  }
}

export function summarize(w: WorkloadResult): Map<string, Summary> {
  const base = w.competitors.find((c) => c.name === w.baseline)
  const baseOk = base?.runs.filter((r) => r.ok) ?? []
  const baselineMedian = baseOk.length > 0 ? median(baseOk.map((r) => r.wallS)) : Number.NaN
  return new Map(w.competitors.map((c) => [c.name, summarizeOne(w, c, baselineMedian)]))
}

interface Column {
  head: string
  cell(s: Summary, c: CompetitorResult): string
  right?: boolean
}

function columns(w: WorkloadResult): Column[] {
  const cols: Column[] = [
    { head: 'competitor', cell: (_s, c) => c.name },
    { head: 'result', cell: (s) => s.label },
    {
      head: 'wall s median (min-max)',
      cell: (s) =>
        s.ok === 0 ? '-' : `${fmtNum(s.wallMedian)} (${fmtNum(s.wallMin)}-${fmtNum(s.wallMax)})`,
      right: true,
    },
    { head: 'ratio', cell: (s) => fmtNum(s.ratio), right: true },
    { head: 'MiB/s', cell: (s) => fmtNum(s.mibPerS, 0), right: true },
  ]
  if (w.files > 1) cols.push({ head: 'files/s', cell: (s) => fmtNum(s.filesPerS, 0), right: true })
  cols.push({ head: 'CPU-s/GiB', cell: (s) => fmtNum(s.cpuPerGiB), right: true })
  if (w.files > 1)
    cols.push({ head: 'CPU ms/file', cell: (s) => fmtNum(s.cpuMsPerFile), right: true })
  cols.push(
    { head: 'server CPU-s/GiB', cell: (s) => fmtNum(s.serverCpuPerGiB), right: true },
    { head: 'peak RSS MiB', cell: (s) => fmtNum(s.peakRssMiB, 0), right: true },
  )
  if (w.tail) cols.push({ head: 'p95/median', cell: (s) => fmtNum(s.p95OverMedian), right: true })
  return cols
}

function rows(w: WorkloadResult): { cols: Column[]; cells: string[][] } {
  const sums = summarize(w)
  const cols = columns(w)
  const cells = w.competitors.map((c) => {
    const s = sums.get(c.name)
    return s === undefined ? cols.map(() => '') : cols.map((col) => col.cell(s, c))
  })
  return { cols, cells }
}

function notes(w: WorkloadResult): string[] {
  const sums = summarize(w)
  const out: string[] = []
  for (const c of w.competitors) {
    const s = sums.get(c.name)
    if (s?.note != null) out.push(`${c.name}: ${s.label}: ${s.note.slice(0, 300)}`)
  }
  return out
}

function tailNote(w: WorkloadResult, runs: number): string | null {
  if (!w.tail) return null
  return runs <= 20
    ? `p95 is nearest-rank over ${runs} run(s): with fewer than 20 runs it is the maximum.`
    : 'p95 is nearest-rank.'
}

export function machineLines(m: MachineInfo): string[] {
  const v = m.versions
  return [
    `date ${m.date}; ${m.cpu}, ${m.cores} cores, ${m.memGiB.toFixed(0)} GiB; Linux ${m.kernel}`,
    `node ${m.node} (${m.nodePath}); server ${m.server}`,
    `aria2c: ${v.aria2c ?? 'absent'}; curl: ${v.curl ?? 'absent'}; wget: ${v.wget ?? 'absent'}`,
    `limits (${fmtBytes(m.limitBytes)}): loopback, 1 connection (curl -o /dev/null): ${m.loopbackMiBs === null ? 'n/a' : `${m.loopbackMiBs.toFixed(0)} MiB/s`}; ` +
      `disk write (dd conv=fdatasync): ${m.diskMiBs === null ? 'n/a' : `${m.diskMiBs.toFixed(0)} MiB/s`}`,
    `start-up (best of 3): ${
      Object.entries(m.startupS)
        .map(([k, v]) => `${k}: ${v === null ? 'FAIL' : `${v.toFixed(2)} s`}`)
        .join('; ') || 'n/a'
    }`,
    `scale ${m.scale}, ${m.runs} run(s) per competitor, order alternating (ABBA), ` +
      `${m.pinned === null ? 'unpinned' : `pinned: ${m.pinned}`}, CPU/RSS via ${m.measurement}`,
  ]
}

export function printTable(w: WorkloadResult, runs: number): void {
  const { cols, cells } = rows(w)
  const widths = cols.map((c, i) =>
    Math.max(c.head.length, ...cells.map((r) => (r[i] ?? '').length)),
  )
  const line = (vals: string[]): string =>
    vals
      .map((v, i) =>
        cols[i]?.right === true ? v.padStart(widths[i] ?? 0) : v.padEnd(widths[i] ?? 0),
      )
      .join('  ')
  console.log(`\n${w.id}: ${w.title}, ${fmtBytes(w.bytes)}`)
  console.log(`ratio = median wall / median wall of "${w.baseline}" (lower is better)`)
  console.log(line(cols.map((c) => c.head)))
  console.log(widths.map((n) => '-'.repeat(n)).join('  '))
  for (const r of cells) console.log(line(r))
  for (const n of notes(w)) console.log(`  ${n}`)
  const t = tailNote(w, runs)
  if (t !== null) console.log(`  ${t}`)
}

export function markdown(report: Report): string {
  const out: string[] = []
  out.push('```text', ...machineLines(report.machine), '```', '')
  for (const w of report.workloads) {
    const { cols, cells } = rows(w)
    out.push(`### ${w.id}: ${w.title}`, '')
    out.push(
      `ratio = median wall time / median wall time of \`${w.baseline}\` (lower is better).`,
      '',
    )
    out.push(`| ${cols.map((c) => c.head).join(' | ')} |`)
    out.push(`|${cols.map((c) => (c.right === true ? '---:' : '---')).join('|')}|`)
    for (const r of cells) out.push(`| ${r.map((x) => x.replaceAll('|', '\\|')).join(' | ')} |`)
    out.push('')
    const extra = [...notes(w), tailNote(w, report.machine.runs)].filter(
      (x): x is string => x !== null,
    )
    for (const n of extra) out.push(`- ${n.replaceAll('|', '\\|')}`)
    if (extra.length > 0) out.push('')
    out.push('<details><summary>commands</summary>', '', '```sh')
    for (const c of w.competitors) out.push(c.command)
    out.push('```', '', '</details>', '')
  }
  return out.join('\n')
}

/** Writes bench/results/<stamp>.json and .md; returns their paths. */
export function writeResults(report: Report, dir: string): { json: string; md: string } {
  mkdirSync(dir, { recursive: true })
  const stamp = report.machine.date.replaceAll(':', '-').replace(/\.\d+Z$/, 'Z')
  const json = path.join(dir, `${stamp}.json`)
  const md = path.join(dir, `${stamp}.md`)
  const withSummaries = {
    ...report,
    workloads: report.workloads.map((w) => ({ ...w, summary: Object.fromEntries(summarize(w)) })),
  }
  writeFileSync(json, `${JSON.stringify(withSummaries, null, 1)}\n`)
  writeFileSync(md, markdown(report))
  return { json, md }
}
