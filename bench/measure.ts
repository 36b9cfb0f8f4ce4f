// Run one command and measure it: wall time (hrtime around the process), user + sys CPU and peak
// RSS (from `/usr/bin/time -f '%e %U %S %M'`, or from /proc when GNU time is missing), and the
// server's CPU over the same interval from /proc/<pid>/stat deltas.
import { spawn } from 'node:child_process'
import { readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { clkTck, peakRssKiB, processCpuSeconds, processTree, sleep } from './util.ts'

export interface Measurement {
  ok: boolean
  /** Why the run failed (exit status, timeout, verification), for the FAIL cell. */
  failure: string | null
  exitCode: number | null
  timedOut: boolean
  wallS: number
  userS: number
  sysS: number
  peakRssMiB: number
  /** CPU seconds the server process used during the run, or null if it could not be read. */
  serverCpuS: number | null
  method: 'gnu-time' | 'proc'
}

export interface MeasureOptions {
  timeoutS: number
  /** GNU time binary, or null to read /proc instead. */
  timeBin: string | null
  serverPid: number | null
  /** CPU list for `taskset -c`, or null. */
  pinCpus: string | null
  cwd?: string
}

const TAIL = 16 * 1024

/** Pick the most informative line of a tool's stderr: the last error-looking line, else the last line. */
export function lastMeaningfulLine(text: string): string {
  const lines = text
    .split('\n')
    .map((l) => l.trimEnd())
    .filter(
      (l) =>
        l.trim() !== '' &&
        !/^Node\.js v\d/.test(l) &&
        !/^\s+at /.test(l) &&
        !/^\s*[{}[\]^]+,?$/.test(l) &&
        !/^\s+[\w$]+: .*,?$/.test(l),
    )
  const errorLine = lines.findLast((l) => /^\s*(\w*Error\b|error:|\w+: error)/i.test(l))
  return (errorLine ?? lines.at(-1) ?? '').trim()
}

let seq = 0
const active = new Set<number>()

/** SIGKILL the process groups of commands still running (for Ctrl-C: they are not in our group). */
export function killActive(): void {
  for (const pgid of active) {
    try {
      process.kill(-pgid, 'SIGKILL')
    } catch {
      // gone
    }
  }
  active.clear()
}

export async function measure(argv: readonly string[], opts: MeasureOptions): Promise<Measurement> {
  const cmd = opts.pinCpus === null ? [...argv] : ['taskset', '-c', opts.pinCpus, ...argv]
  const timeFile = path.join(os.tmpdir(), `downpour-bench-time-${process.pid}-${seq++}.txt`)
  const wrapped =
    opts.timeBin !== null
      ? [opts.timeBin, '-f', '%e %U %S %M', '-o', timeFile, ...cmd]
      : // The shell waits for the command, then reports its own cutime/cstime (CPU of waited children).
        [
          '/bin/sh',
          '-c',
          '"$@"; rc=$?; cat /proc/$$/stat > "$BENCH_TIME_FILE"; exit $rc',
          'sh',
          ...cmd,
        ]

  const serverBefore = opts.serverPid === null ? null : processCpuSeconds(opts.serverPid)
  const t0 = performance.now()
  const child = spawn(wrapped[0] ?? '', wrapped.slice(1), {
    cwd: opts.cwd,
    detached: true, // own process group, so a timeout can kill the whole tree
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, BENCH_TIME_FILE: timeFile },
  })
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()))
  if (child.pid !== undefined) active.add(child.pid)
  let stdout = ''
  let stderr = ''
  child.stdout?.setEncoding('utf8').on('data', (c: string) => (stdout = (stdout + c).slice(-TAIL)))
  child.stderr?.setEncoding('utf8').on('data', (c: string) => (stderr = (stderr + c).slice(-TAIL)))

  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL')
    } catch {
      // already gone
    }
  }, opts.timeoutS * 1000)

  // Without GNU time, sample the peak RSS of the process tree from /proc.
  let polledPeakKiB = 0
  let polling = opts.timeBin === null
  const poller = (async () => {
    while (polling && child.pid !== undefined) {
      for (const pid of processTree(child.pid)) {
        if (pid !== child.pid) polledPeakKiB = Math.max(polledPeakKiB, peakRssKiB(pid))
      }
      await sleep(25)
    }
  })()

  const spawnError = await new Promise<Error | null>((resolve) => {
    child.once('error', (e) => resolve(e))
    child.once('exit', () => resolve(null))
  })
  const wallS = (performance.now() - t0) / 1000
  clearTimeout(timer)
  if (child.pid !== undefined) active.delete(child.pid)
  polling = false
  await poller
  const serverAfter = opts.serverPid === null ? null : processCpuSeconds(opts.serverPid)
  // Give the pipes a moment to drain (a stray grandchild could hold them open forever).
  await new Promise<void>((resolve) => {
    const t = setTimeout(resolve, 2000)
    void closed.then(() => {
      clearTimeout(t)
      resolve()
    })
  })

  let userS = Number.NaN
  let sysS = Number.NaN
  let peakRssMiB = Number.NaN
  try {
    const text = readFileSync(timeFile, 'utf8').trim()
    if (opts.timeBin !== null) {
      const fields = (text.split('\n').at(-1) ?? '').trim().split(/\s+/).map(Number)
      userS = fields[1] ?? Number.NaN
      sysS = fields[2] ?? Number.NaN
      peakRssMiB = (fields[3] ?? Number.NaN) / 1024
    } else {
      const f = text.slice(text.lastIndexOf(')') + 2).split(' ')
      const ticks = clkTck()
      userS = Number(f[16 - 3]) / ticks
      sysS = Number(f[17 - 3]) / ticks
      peakRssMiB = polledPeakKiB / 1024
    }
  } catch {
    // killed before the wrapper could write it
  } finally {
    rmSync(timeFile, { force: true })
  }

  const exitCode = child.exitCode
  let failure: string | null = null
  if (spawnError !== null) failure = `could not start: ${spawnError.message}`
  else if (timedOut) failure = `timed out after ${opts.timeoutS} s`
  else if (exitCode !== 0) {
    const line = lastMeaningfulLine(stderr) || lastMeaningfulLine(stdout)
    const status = child.signalCode !== null ? `signal ${child.signalCode}` : `exit ${exitCode}`
    failure = line === '' ? status : `${status}: ${line}`
  }
  return {
    ok: failure === null,
    failure,
    exitCode,
    timedOut,
    wallS,
    userS,
    sysS,
    peakRssMiB,
    serverCpuS: serverBefore !== null && serverAfter !== null ? serverAfter - serverBefore : null,
    method: opts.timeBin !== null ? 'gnu-time' : 'proc',
  }
}
