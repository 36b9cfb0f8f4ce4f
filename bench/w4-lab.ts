/**
 * W4 under the microscope (issue 22): the bench's nginx configuration (`map $remote_port` +
 * `limit_rate`: sockets whose port ends in 0–4 get 1 MiB/s, the others 16 MiB/s) with an access
 * log, and a 128 MiB file fetched by each tool in turn, round after round (old and new
 * alternate). Per run: wall and CPU seconds, the load, Downpour's phases (process start to the
 * download's add, add to its last event, last event to exit), the requests and sockets nginx
 * saw, the MiB the slow sockets carried, and the download's timeline line
 * (transfer/connection-timeline.ts). Each run's access log and JSON output are kept in --dir.
 *
 *   node bench/w4-lab.ts [--rounds 5] [--dir /tmp/w4-lab] [--x 16] aria2c OLD/out/main/cli.js NEW/out/main/cli.js
 *
 * A tool is `aria2c` (`-x16 -s16 -k1M`, the baseline) or a path to Downpour's CLI (with
 * `--x`, run as `downpour get -x N`, the bench's "downpour -x16").
 * Needs nginx (apt-get install -y nginx-light).
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { ENGINE_HOST_NODE_FLAGS, engineHostEnvWords } from '../src/engine/memory-limits.ts'
import { startLabNginx } from './lab-nginx.ts'
import { median, MiB } from './util.ts'

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rounds: { type: 'string', default: '5' },
    dir: { type: 'string', default: '/tmp/w4-lab' },
    x: { type: 'string' },
  },
})
const base = resolve(values.dir)
const {
  url: urlOf,
  accessLog,
  server,
} = await startLabNginx({
  dir: base,
  fileName: 'w4.bin',
  mib: 128,
  logFormat: `$remote_port $status $request_time $body_bytes_sent $http_range $msec`,
})
const url = urlOf('mixed')

const walls = new Map<string, number[]>()
const cpus = new Map<string, number[]>()
for (let round = 0; round < Number(values.rounds); round++) {
  for (const [index, tool] of positionals.entries()) {
    const label = tool === 'aria2c' ? 'aria2c' : `${index}:${tool}`
    const out = join(base, `out-${index}`)
    rmSync(out, { recursive: true, force: true })
    mkdirSync(out, { recursive: true })
    const argv =
      tool === 'aria2c'
        ? [
            'aria2c',
            '-q',
            '--allow-overwrite=true',
            '--file-allocation=none',
            '-d',
            out,
            '-o',
            'f',
          ].concat(['-x16', '-s16', '-k1M', url])
        : ['env', ...engineHostEnvWords(), process.execPath, ...ENGINE_HOST_NODE_FLAGS, tool]
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
    walls.set(label, [...(walls.get(label) ?? []), wall])
    cpus.set(label, [...(cpus.get(label) ?? []), user + sys])
    const added = Number(/"createdAt":(\d+)/.exec(run.stdout)?.[1] ?? 0)
    const last = Math.max(0, ...[...run.stdout.matchAll(/"at":(\d+)/g)].map((m) => Number(m[1])))
    const phases = added
      ? `start ${((added - started) / 1000).toFixed(2)} fetch ${((last - added) / 1000).toFixed(2)} exit ${((ended - last) / 1000).toFixed(2)} `
      : ''
    const lines = readFileSync(accessLog, 'utf8').trim().split('\n').filter(Boolean)
    const slow = lines.filter((l) => /[0-4]$/.test(l.split(' ')[0] ?? ''))
    const slowBytes = slow.reduce((n, l) => n + Number(l.split(' ')[3]), 0)
    const sockets = new Set(lines.map((l) => l.split(' ')[0])).size
    const timeline = /connections: \d+ over[^"]*/.exec(run.stdout)?.[0] ?? ''
    const load = readFileSync('/proc/loadavg', 'utf8').split(' ')[0]
    console.log(
      `r${round} ${label} wall ${wall.toFixed(2)} cpu ${(user + sys).toFixed(2)} load ${load} ${phases}` +
        `rc ${run.status} requests ${lines.length} sockets ${sockets} slow MiB ${(slowBytes / MiB).toFixed(1)}` +
        (timeline ? ` | ${timeline}` : ''),
    )
    writeFileSync(join(base, `r${round}-${index}.log`), `${lines.join('\n')}\n${run.stdout}`)
  }
}
for (const [label, list] of walls) {
  const mid = median(list)
  console.log(
    `${label}: wall median ${mid.toFixed(2)} s, max/median ${(Math.max(...list) / mid).toFixed(2)}, ` +
      `CPU median ${median(cpus.get(label)!).toFixed(2)} s; runs ${list.map((x) => x.toFixed(2)).join(' ')}`,
  )
}
server.kill('SIGTERM')
