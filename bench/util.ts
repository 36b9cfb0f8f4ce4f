// Small helpers shared by the benchmark harness: PATH lookup, /proc readers, formatting.
import { accessSync, constants, readdirSync, readFileSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import path from 'node:path'

export const KiB = 1024
export const MiB = 1024 * KiB
export const GiB = 1024 * MiB

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Absolute path of an executable found on PATH (or the path itself if it is absolute), else null. */
export function findExecutable(name: string): string | null {
  const candidates = name.includes('/')
    ? [name]
    : (process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin')
        .split(':')
        .concat(['/usr/sbin', '/sbin'])
        .filter((dir) => dir !== '')
        .map((dir) => path.join(dir, name))
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK)
      return candidate
    } catch {
      // not here
    }
  }
  return null
}

/** First line of `bin args...` (stdout, else stderr), or null if it cannot run. */
export function versionLine(bin: string | null, args: string[]): string | null {
  if (bin === null) return null
  const r = spawnSync(bin, args, { encoding: 'utf8', timeout: 10_000 })
  if (r.error) return null
  const text = `${r.stdout ?? ''}\n${r.stderr ?? ''}`
  const line = text.split('\n').find((l) => l.trim() !== '')
  // "curl 7.88.1 (x86_64-pc-linux-gnu) libcurl/..." -> "curl 7.88.1"; "GNU Wget 1.21.3 built on ..." -> "GNU Wget 1.21.3"
  return line?.replace(/\s+(\(|built on ).*$/, '').trim() ?? null
}

let clockTicks: number | null = null
/** USER_HZ, the unit of utime/stime in /proc/<pid>/stat. */
export function clkTck(): number {
  if (clockTicks === null) {
    const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' })
    const n = Number.parseInt(r.stdout ?? '', 10)
    clockTicks = Number.isFinite(n) && n > 0 ? n : 100
  }
  return clockTicks
}

/** Fields of /proc/<pid>/stat after the command name; field N (1-based, man proc) is at N - 3. */
function statFields(pid: number): string[] | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return text.slice(text.lastIndexOf(')') + 2).split(' ')
  } catch {
    return null
  }
}

/** utime + stime of one process, in seconds, or null if it is gone. */
export function processCpuSeconds(pid: number): number | null {
  const f = statFields(pid)
  if (f === null) return null
  return (Number(f[14 - 3]) + Number(f[15 - 3])) / clkTck()
}

/** Direct children of a process (all its threads), from /proc/<pid>/task/<tid>/children. */
export function childPids(pid: number): number[] {
  const out: number[] = []
  let tids: string[]
  try {
    tids = readdirSync(`/proc/${pid}/task`)
  } catch {
    return out
  }
  for (const tid of tids) {
    try {
      const text = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim()
      if (text !== '') out.push(...text.split(/\s+/).map(Number))
    } catch {
      // raced with exit
    }
  }
  return out
}

/** A process and all its descendants. */
export function processTree(pid: number): number[] {
  const seen: number[] = []
  const queue = [pid]
  while (queue.length > 0) {
    const p = queue.shift()
    if (p === undefined || seen.includes(p)) continue
    seen.push(p)
    queue.push(...childPids(p))
  }
  return seen
}

/** Peak resident set size (VmHWM) of one process in KiB, or 0. */
export function peakRssKiB(pid: number): number {
  try {
    const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m?.[1] === undefined ? 0 : Number(m[1])
  } catch {
    return 0
  }
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  if (s.length === 0) return Number.NaN
  const mid = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? (s[mid] ?? Number.NaN) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2
}

/** Nearest-rank percentile: with 3 runs, p95 is the maximum. */
export function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b)
  if (s.length === 0) return Number.NaN
  const rank = Math.max(1, Math.ceil((p / 100) * s.length))
  return s[rank - 1] ?? Number.NaN
}

export function fmtBytes(n: number): string {
  if (n >= GiB) return `${+(n / GiB).toFixed(2)} GiB`
  if (n >= MiB) return `${+(n / MiB).toFixed(1)} MiB`
  if (n >= KiB) return `${+(n / KiB).toFixed(1)} KiB`
  return `${n} B`
}

export function fmtNum(n: number | null | undefined, digits = 2): string {
  return n === null || n === undefined || !Number.isFinite(n) ? '-' : n.toFixed(digits)
}

/** Quote an argv for display in a shell. */
export function shellJoin(argv: readonly string[]): string {
  return argv
    .map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`))
    .join(' ')
}
