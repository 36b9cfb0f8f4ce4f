// The least a Node program can do for W2: undici's dispatch API, each body gathered in memory
// and written with one open/writev/close, 16 at a time. No queue, no names to sanitize, no
// .part files, no retries, no events. It is not a download manager; it is the bench's
// reference for what the runtime itself costs, so Downpour's figures split into "Node" and
// "the engine", and curl's into "C" and "Node" (docs/benchmarks.md).
//
//   node bench/node-floor.ts LIST DIR [PARALLEL]
import { close, open, readFileSync, writev } from 'node:fs'
import { Agent } from 'undici'

const [list, dir, parallelArg] = process.argv.slice(2)
if (!list || !dir) {
  process.stderr.write('usage: node bench/node-floor.ts LIST DIR [PARALLEL]\n')
  process.exit(2)
}
const urls = readFileSync(list, 'utf8').split('\n').filter(Boolean)
const parallel = Number(parallelArg ?? 16)
const agent = new Agent({ connections: parallel })
let next = 0
let finished = 0

function fail(error: unknown): never {
  process.stderr.write(`node-floor: ${String(error)}\n`)
  process.exit(1)
}

function start(): void {
  const index = next++
  if (index >= urls.length) return
  const url = new URL(urls[index]!)
  const chunks: Buffer[] = []
  agent.dispatch(
    {
      origin: url.origin,
      path: url.pathname,
      method: 'GET',
      headers: { 'accept-encoding': 'identity' },
    },
    {
      onRequestStart() {},
      onResponseStart(_controller, status) {
        if (status !== 200) fail(`${url.href}: HTTP ${status}`)
      },
      onResponseData(_controller, chunk) {
        chunks.push(chunk)
      },
      onResponseEnd() {
        save(`${dir}/${url.pathname.slice(url.pathname.lastIndexOf('/') + 1)}`, chunks)
        start()
      },
      onResponseError(_controller, error) {
        fail(error)
      },
    },
  )
}

function save(path: string, chunks: Buffer[]): void {
  open(path, 'wx', (error, fd) => {
    if (error) fail(error)
    writev(fd, chunks, 0, (error) => {
      if (error) fail(error)
      close(fd, (error) => {
        if (error) fail(error)
        if (++finished === urls.length) void agent.close()
      })
    })
  })
}

for (let i = 0; i < parallel; i++) start()
