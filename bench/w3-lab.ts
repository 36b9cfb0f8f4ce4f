/**
 * W3 under the microscope (issue 19's "W1–W5 within 3 %"): the bench's nginx `/capped/`
 * location (4 MiB/s per connection) with an access log, and W3's 100 MiB file fetched by each
 * Downpour build in turn, round after round (builds alternate). Per run: wall and CPU seconds,
 * the load, and from nginx's log (so builds without a timeline line can be compared): when each
 * socket's first request began (ms after the first one), sockets open at 0.25/0.5/1.0 s, the
 * most open at once, when the last byte left, the tail (first socket done → last byte), requests.
 *
 *   node bench/w3-lab.ts [--rounds 5] [--dir /tmp/w3-lab] [--x 16] OLD/out/main/cli.js NEW/out/main/cli.js
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { ENGINE_HOST_NODE_FLAGS, engineHostEnvWords } from '../src/engine/memory-limits.ts'
import { startLabNginx } from './lab-nginx.ts'
import { median, sleep } from './util.ts'

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rounds: { type: 'string', default: '5' },
    dir: { type: 'string', default: '/tmp/w3-lab' },
    x: { type: 'string' },
    /** Another of the bench's locations (plain: W1's unthrottled, mixed: W4's) and size. */
    location: { type: 'string', default: 'capped' },
    mib: { type: 'string', default: '100' },
  },
})
const base = resolve(values.dir)
const {
  url: urlOf,
  accessLog,
  server,
} = await startLabNginx({
  dir: base,
  fileName: `w3-${values.mib}.bin`,
  mib: Number(values.mib),
  logFormat: `$connection $remote_port $status $request_time $body_bytes_sent $msec "$http_range"`,
})
const url = urlOf(values.location)

interface Request {
  socket: string
  status: string
  start: number
  end: number
  bytes: number
}
function parse(lines: string[]): Request[] {
  return lines.map((l) => {
    const [socket = '', , status = '', time = '0', bytes = '0', msec = '0'] = l.split(' ')
    const end = Number(msec) * 1000
    return { socket, status, start: end - Number(time) * 1000, end, bytes: Number(bytes) }
  })
}

const walls = new Map<string, number[]>()
const cpus = new Map<string, number[]>()
const lasts = new Map<string, number[]>()
const phases = new Map<string, number[][]>()
for (let round = 0; round < Number(values.rounds); round++) {
  const order = round % 2 === 0 ? [...positionals.entries()] : [...positionals.entries()].reverse()
  for (const [index, tool] of order) {
    const label = `${index}:${tool}`
    const out = join(base, `out-${index}`)
    rmSync(out, { recursive: true, force: true })
    mkdirSync(out, { recursive: true })
    const argv = ['env', ...engineHostEnvWords(), process.execPath, ...ENGINE_HOST_NODE_FLAGS, tool]
      .concat(['get', '--json', '--state-dir', join(out, 'state'), '-d', out, '-o', 'f'])
      .concat(values.x === undefined ? [] : ['-x', values.x], [url])
    writeFileSync(accessLog, '')
    const started = Date.now()
    const run = spawnSync('/usr/bin/time', ['-f', '%U %S', ...argv], {
      encoding: 'utf8',
      maxBuffer: 1 << 28,
    })
    const ended = Date.now()
    const [user = 0, sys = 0] = (run.stderr.trim().split('\n').pop() ?? '').split(' ').map(Number)
    const wall = (ended - started) / 1000
    await sleep(200)
    const lines = readFileSync(accessLog, 'utf8').trim().split('\n').filter(Boolean)
    const requests = parse(lines)
    const t0 = Math.min(...requests.map((r) => r.start))
    const sockets = new Map<string, { start: number; end: number; bytes: number; n: number }>()
    for (const r of requests) {
      const s = sockets.get(r.socket)
      if (s === undefined)
        sockets.set(r.socket, { start: r.start, end: r.end, bytes: r.bytes, n: 1 })
      else {
        s.start = Math.min(s.start, r.start)
        s.end = Math.max(s.end, r.end)
        s.bytes += r.bytes
        s.n++
      }
    }
    const list = [...sockets.values()].sort((a, b) => a.start - b.start)
    const openAt = (ms: number): number =>
      list.filter((s) => s.start - t0 <= ms && s.end - t0 > ms).length
    let most = 0
    for (const s of list) most = Math.max(most, openAt(s.start - t0 + 0.5))
    const last = Math.max(...list.map((s) => s.end)) - t0
    const firstDone = Math.min(...list.map((s) => s.end)) - t0
    const opens = list.map((s) => Math.round(s.start - t0)).join(',')
    const load = readFileSync('/proc/loadavg', 'utf8').split(' ')[0]
    walls.set(label, [...(walls.get(label) ?? []), wall])
    cpus.set(label, [...(cpus.get(label) ?? []), user + sys])
    lasts.set(label, [...(lasts.get(label) ?? []), last / 1000])
    phases.set(label, [...(phases.get(label) ?? []), [t0 - started, last, ended - t0 - last]])
    const timeline = /connections: \d+ over[^"]*/.exec(run.stdout)?.[0] ?? ''
    console.log(
      `r${round} ${index} wall ${wall.toFixed(2)} cpu ${(user + sys).toFixed(2)} load ${load} rc ${run.status} ` +
        `firstreq ${(t0 - started).toFixed(0)}ms last ${last.toFixed(0)} exit ${(ended - t0 - last).toFixed(0)} tail ${(last - firstDone).toFixed(0)} ` +
        `req ${requests.length} sock ${list.length} max ${most} open@250/500/1000 ${openAt(250)}/${openAt(500)}/${openAt(1000)} ` +
        `opens ${opens}` +
        (/brought no more speed/.test(run.stdout) ? ' GAVE BACK' : '') +
        (timeline ? ` | ${timeline}` : ''),
    )
    writeFileSync(
      join(base, `r${round}-${index}.log`),
      `${lines.join('\n')}\n${run.stdout}\n${run.stderr}`,
    )
  }
}
for (const [label, list] of walls) {
  console.log(
    `${label}: wall median ${median(list).toFixed(2)} s, cpu median ${median(cpus.get(label) ?? []).toFixed(2)}, ` +
      `last byte median ${median(lasts.get(label) ?? []).toFixed(3)} s, ` +
      `start/transfer/exit medians ${[0, 1, 2].map((i) => median((phases.get(label) ?? []).map((p) => p[i] ?? 0)).toFixed(0)).join('/')} ms`,
  )
}
server.kill('SIGTERM')
