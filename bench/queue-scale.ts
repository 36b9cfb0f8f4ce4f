// W5: a 100,000-URL list, 16 at once — memory, queue bytes written, and the time to the first
// byte on a first run and on the rerun of the interrupted list. See bench/README.md.
import { spawn } from 'node:child_process'
import { readFileSync, readdirSync, rmSync, mkdirSync, statSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { ENGINE_HOST_ENV, ENGINE_HOST_NODE_FLAGS } from '../src/engine/memory-limits.ts'

export type QueueScaleOptions = {
  cli: string
  workDir: string
  /** URLs in the list (default 100,000). */
  count: number
  /** Seconds the first run downloads before it is interrupted (Ctrl-C). */
  durationS: number
  /** Seconds the rerun downloads before it is interrupted too. */
  rerunS: number
  jobs: number
}

/** One run of the CLI: its peak and final RSS, and when the server first sent a body byte. */
type RunFigures = {
  peakRssMiB: number
  rssAtInterruptMiB: number
  firstByteS: number | null
  exitCode: number | null
  exitS: number
  completed: number
}

export type QueueScaleResult = {
  command: string
  count: number
  jobs: number
  fileBytes: number
  first: RunFigures
  rerun: RunFigures
  queueBytes: { first: number; rerun: number }
  queueFilesAtEnd: { name: string; bytes: number }[]
}

/** Each file: 16 KiB sent at ~4 KiB/s (1 KiB every 250 ms): ~4 s, so 16 stay busy. */
const FILE_BYTES = 16 * 1024
const CHUNK = 1024
const CHUNK_MS = 250

/** The loopback server: `/many/<n>.bin` is FILE_BYTES paced; it notes its first body byte. */
function startServer(): Promise<{
  server: Server
  url: string
  firstByteAt: () => number | null
  reset(): void
  served: () => number
}> {
  let firstByteAt: number | null = null
  let served = 0
  const body = Buffer.alloc(FILE_BYTES, 0x61)
  const server = createServer((req, res) => {
    if (!req.url?.startsWith('/many/')) {
      res.writeHead(404).end()
      return
    }
    res.writeHead(200, {
      'content-length': String(FILE_BYTES),
      'content-type': 'application/octet-stream',
      'accept-ranges': 'none',
    })
    let at = 0
    const send = () => {
      if (res.destroyed) return
      firstByteAt ??= performance.now()
      const end = Math.min(at + CHUNK, FILE_BYTES)
      res.write(body.subarray(at, end))
      at = end
      if (at >= FILE_BYTES) {
        served++
        res.end()
      } else setTimeout(send, CHUNK_MS)
    }
    send()
  })
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo
      resolve({
        server,
        url: `http://127.0.0.1:${port}`,
        firstByteAt: () => firstByteAt,
        reset: () => {
          firstByteAt = null
        },
        served: () => served,
      })
    })
  })
}

function rssMiB(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0)
    return kb / 1024
  } catch {
    return 0
  }
}

/**
 * Bytes written to the queue files, observed every 100 ms. Each inode is followed while it is
 * on disk, whatever its name: growth is what was appended, and a temp snapshot renamed into
 * place is counted once. A file that shrank, or an inode seen again after it was gone, is a new
 * file (a journal of the next run can get the name and the inode a deleted one had), so its
 * whole size counts. A file that lived < 100 ms could be missed.
 */
class QueueBytes {
  #live = new Map<number, number>()
  #total = 0
  readonly dir: string
  constructor(dir: string) {
    this.dir = dir
  }
  poll(): void {
    let names: string[]
    try {
      names = readdirSync(this.dir)
    } catch {
      return
    }
    const now = new Map<number, number>()
    for (const name of names) {
      if (!name.includes('queue')) continue
      try {
        const { ino, size } = statSync(path.join(this.dir, name))
        now.set(ino, size)
      } catch {
        // renamed or deleted between readdir and stat
      }
    }
    for (const [ino, size] of now) {
      const before = this.#live.get(ino)
      this.#total += before === undefined || size < before ? size : size - before
    }
    this.#live = now
  }
  get total(): number {
    return this.#total
  }
}

async function runOnce(
  argv: string[],
  env: NodeJS.ProcessEnv,
  runS: number,
  server: Awaited<ReturnType<typeof startServer>>,
  queue: QueueBytes,
): Promise<RunFigures> {
  server.reset()
  const servedBefore = server.served()
  const started = performance.now()
  const child = spawn(argv[0]!, argv.slice(1), { env, stdio: ['ignore', 'ignore', 'inherit'] })
  let peak = 0
  let atInterrupt = 0
  const sampler = setInterval(() => {
    peak = Math.max(peak, rssMiB(child.pid!))
    queue.poll()
  }, 100)
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  const stop = setTimeout(() => {
    atInterrupt = rssMiB(child.pid!)
    peak = Math.max(peak, atInterrupt)
    child.kill('SIGINT')
  }, runS * 1000)
  const exitCode = await exited
  const exitS = (performance.now() - started) / 1000
  clearTimeout(stop)
  clearInterval(sampler)
  queue.poll()
  const first = server.firstByteAt()
  return {
    peakRssMiB: peak,
    rssAtInterruptMiB: atInterrupt,
    firstByteS: first === null ? null : (first - started) / 1000,
    exitCode,
    exitS,
    completed: server.served() - servedBefore,
  }
}

export async function runQueueScale(options: QueueScaleOptions): Promise<QueueScaleResult> {
  const root = path.join(options.workDir, 'w5')
  rmSync(root, { recursive: true, force: true })
  const out = path.join(root, 'out')
  const state = path.join(root, 'state')
  mkdirSync(out, { recursive: true })
  const server = await startServer()
  try {
    const list = path.join(root, 'urls.txt')
    const lines: string[] = []
    for (let i = 0; i < options.count; i++) lines.push(`${server.url}/many/f${i}.bin`)
    writeFileSync(list, lines.join('\n') + '\n')
    const argv = [
      process.execPath,
      ...ENGINE_HOST_NODE_FLAGS,
      options.cli,
      'get',
      '--quiet',
      '-d',
      out,
      '-j',
      String(options.jobs),
      '-i',
      list,
    ]
    const env = { ...process.env, ...ENGINE_HOST_ENV, DOWNPOUR_STATE_DIR: state }
    const queue = new QueueBytes(state)
    console.log(
      `  W5 first run: ${options.count} URLs, -j ${options.jobs}, ${options.durationS} s, then Ctrl-C`,
    )
    const first = await runOnce(argv, env, options.durationS, server, queue)
    const afterFirst = queue.total
    console.log(
      `  first run: first byte ${fmt(first.firstByteS)} s, peak RSS ${first.peakRssMiB.toFixed(0)} MiB, ${first.completed} files, queue bytes ${afterFirst}`,
    )
    console.log(`  W5 rerun of the interrupted list: ${options.rerunS} s, then Ctrl-C`)
    const rerun = await runOnce(argv, env, options.rerunS, server, queue)
    console.log(
      `  rerun: first new byte ${fmt(rerun.firstByteS)} s, peak RSS ${rerun.peakRssMiB.toFixed(0)} MiB, queue bytes ${queue.total - afterFirst}`,
    )
    const queueFilesAtEnd = readdirSync(state)
      .filter((n) => n.includes('queue'))
      .map((name) => ({ name, bytes: statSync(path.join(state, name)).size }))
    return {
      command: `env MALLOC_ARENA_MAX=1 node ${ENGINE_HOST_NODE_FLAGS.join(' ')} CLI get --quiet -d DIR -j ${options.jobs} -i LIST (${options.count} URLs)`,
      count: options.count,
      jobs: options.jobs,
      fileBytes: FILE_BYTES,
      first,
      rerun,
      queueBytes: { first: afterFirst, rerun: queue.total - afterFirst },
      queueFilesAtEnd,
    }
  } finally {
    await new Promise<void>((resolve) => {
      server.server.closeAllConnections()
      server.server.close(() => resolve())
    })
    rmSync(root, { recursive: true, force: true })
  }
}

function fmt(s: number | null): string {
  return s === null ? 'none' : s.toFixed(2)
}

const MB = 1e6

/** The markdown rows for docs/benchmarks.md. */
export function queueScaleMarkdown(r: QueueScaleResult, durationS: number, rerunS: number): string {
  const rows = [
    ['time from start to first byte', `${fmt(r.first.firstByteS)} s`, '< 2 s'],
    ['time from the rerun to its first new byte', `${fmt(r.rerun.firstByteS)} s`, '< 2 s'],
    ['peak RSS, first run', `${r.first.peakRssMiB.toFixed(0)} MiB`, '< 250 MB'],
    ['RSS at Ctrl-C, first run', `${r.first.rssAtInterruptMiB.toFixed(0)} MiB`, ''],
    ['peak RSS, rerun', `${r.rerun.peakRssMiB.toFixed(0)} MiB`, '< 250 MB'],
    [
      `queue bytes written, first run (${durationS} s)`,
      `${(r.queueBytes.first / MB).toFixed(1)} MB`,
      'in proportion to changes',
    ],
    [`queue bytes written, rerun (${rerunS} s)`, `${(r.queueBytes.rerun / MB).toFixed(1)} MB`, ''],
    ['files completed, first run / rerun', `${r.first.completed} / ${r.rerun.completed}`, ''],
    ['time from Ctrl-C to exit, first run', `${(r.first.exitS - durationS).toFixed(2)} s`, ''],
    [
      'queue files at the end',
      r.queueFilesAtEnd.map((f) => `${f.name} ${(f.bytes / MB).toFixed(1)} MB`).join(', '),
      '',
    ],
  ]
  return [
    `W5: ${r.count} queued URLs (${r.fileBytes / 1024} KiB each, ~4 KiB/s per connection), -j ${r.jobs}`,
    '',
    `Command: \`${r.command}\``,
    '',
    '| figure | value | goal |',
    '| --- | --- | --- |',
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n')
}
