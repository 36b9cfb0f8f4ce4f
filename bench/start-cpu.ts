/**
 * The CPU of a download's fixed costs (issue 22's W4 CPU): `downpour get --json` of a 3-byte
 * file from the labs' nginx, i.e. process start, the engine's start, one request, the exit.
 * Builds alternate (the order flips every round); per build the median and mean CPU seconds
 * (user + sys, /usr/bin/time's 10 ms resolution: read medians over many rounds) and, against the
 * first build, the median of the per-round ratios.
 *
 *   node bench/start-cpu.ts [--rounds 30] [--dir /tmp/start-cpu] OLD/out/main/cli.js NEW/out/main/cli.js
 *
 * A build given as `bare:PATH` runs without the engine host's V8 flags and environment
 * (memory-limits.ts): what those flags cost at start (they make V8 refuse Node's code cache
 * for its built-ins). Needs nginx (apt-get install -y nginx-light).
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { ENGINE_HOST_NODE_FLAGS, engineHostEnvWords } from '../src/engine/memory-limits.ts'
import { startLabNginx } from './lab-nginx.ts'
import { median } from './util.ts'

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rounds: { type: 'string', default: '30' },
    dir: { type: 'string', default: '/tmp/start-cpu' },
  },
})
if (positionals.length === 0) throw new Error('name at least one build (a path to out/main/cli.js)')
const base = resolve(values.dir)
// The lab serves health.txt (3 bytes) next to its file; the file itself is kept small.
const lab = await startLabNginx({ dir: base, fileName: 'one.bin', mib: 1, logFormat: '$status' })
const url = lab.url('plain').replace(/one\.bin$/, 'health.txt')

function cpuOfOneGet(build: string): number {
  const bare = build.startsWith('bare:')
  const cli = bare ? build.slice('bare:'.length) : build
  const out = join(base, 'out')
  rmSync(out, { recursive: true, force: true })
  mkdirSync(out, { recursive: true })
  const host = bare
    ? [process.execPath]
    : [...engineHostEnvWords(), process.execPath, ...ENGINE_HOST_NODE_FLAGS]
  const argv = [
    'env',
    ...host,
    cli,
    'get',
    '--json',
    '--state-dir',
    join(out, 'state'),
    '-d',
    out,
    '-o',
    'f',
    url,
  ]
  const run = spawnSync('/usr/bin/time', ['-f', '%U %S', ...argv], { encoding: 'utf8' })
  if (run.status !== 0) throw new Error(`${build} failed: ${run.stderr.slice(-500)}`)
  const [user = 0, sys = 0] = (run.stderr.trim().split('\n').pop() ?? '').split(' ').map(Number)
  return user + sys
}

// One untimed run each: the compile cache (NODE_COMPILE_CACHE, the CLI's own) is written.
for (const build of positionals) cpuOfOneGet(build)
const cpu = new Map<string, number[]>(positionals.map((b) => [b, []]))
const loads: string[] = []
for (let round = 0; round < Number(values.rounds); round++) {
  const order = round % 2 === 0 ? positionals : [...positionals].reverse()
  for (const build of order) cpu.get(build)!.push(cpuOfOneGet(build))
  loads.push(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]!)
}
const first = cpu.get(positionals[0]!)!
for (const [build, list] of cpu) {
  const mean = list.reduce((a, b) => a + b, 0) / list.length
  const ratio = median(list.map((x, i) => x / first[i]!))
  console.log(
    `${build}: CPU median ${median(list).toFixed(3)} s, mean ${mean.toFixed(3)} s` +
      (list === first ? '' : `, pair median ÷ first ${ratio.toFixed(3)}`) +
      ` (${list.length} runs)`,
  )
}
console.log(
  `load (1 min) during the rounds: ${Math.min(...loads.map(Number))}–${Math.max(...loads.map(Number))}`,
)
lab.server.kill('SIGTERM')
