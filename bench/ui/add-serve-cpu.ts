// The serve side of the bench's add of 10,000, in one process and without a browser: the
// engine, the aria2 view that `downpour serve` runs beside it, and serveEngine with the
// server's frame encoding, fed the page's ten calls of 1,000. Prints the main thread's CPU,
// the garbage collector's time and the bytes the client would receive, per round. The downloads
// are added paused (no transfer runs): what is left is the add's own work per download.
//   node --max-semi-space-size=1 --heap-growing-percent=30 bench/ui/add-serve-cpu.ts \
//     [--tree OTHER_CHECKOUT] [--answer ids|refusals] [--rounds 5]
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { PerformanceObserver } from 'node:perf_hooks'
import { parseArgs } from 'node:util'

const { values } = parseArgs({
  options: {
    tree: { type: 'string', default: resolve(import.meta.dirname, '..', '..') },
    answer: { type: 'string', default: 'refusals' },
    rounds: { type: 'string', default: '5' },
    count: { type: 'string', default: '10000' },
  },
})
const tree = resolve(values.tree)
const { createEngine } = await import(join(tree, 'src/engine/engine.ts'))
const { serveEngine } = await import(join(tree, 'src/shared/protocol/rpc.ts'))
const { messageFrame } = await import(join(tree, 'src/server/message-text.ts'))
const { Aria2DownloadView } = await import(join(tree, 'src/server/aria2/aria2-download-view.ts'))

let gcMs = 0
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcMs += entry.duration
}).observe({ entryTypes: ['gc'] })

const count = Number(values.count)
for (let round = 0; round < Number(values.rounds); round++) {
  const root = await mkdtemp(join(tmpdir(), 'add-serve-cpu-'))
  const engine = await createEngine({
    stateDir: join(root, 'state'),
    settings: { defaultDir: join(root, 'downloads with a long folder name') },
  })
  const view = new Aria2DownloadView(engine, { trusted: true })
  await view.ready
  let received = 0
  let replies = 0
  let deliver: (message: unknown) => void = () => {}
  const allReplied = Promise.withResolvers<void>()
  const stop = serveEngine(
    {
      postMessage(message: unknown) {
        received += messageFrame(message).length
        if ((message as { kind: string }).kind === 'reply' && ++replies === count / 1000)
          allReplied.resolve()
      },
      onMessage(listener: (message: unknown) => void) {
        deliver = listener
        return () => {}
      },
    },
    engine,
  )
  const calls = []
  for (let start = 0; start < count; start += 1000) {
    const list = Array.from({ length: 1000 }, (_, i) => ({
      url: `http://127.0.0.${1 + ((start + i) % 2)}:40123/f/${start + i}.bin`,
      paused: true,
    }))
    calls.push(
      JSON.stringify({
        kind: 'call',
        seq: start,
        method: 'add',
        args: [list, { answer: values.answer }],
      }),
    )
  }
  const gcBefore = gcMs
  const cpuBefore = process.cpuUsage()
  const t0 = performance.now()
  // As the server's inbound pace does: one message per loop turn, parsed as it comes.
  for (const text of calls) {
    deliver(JSON.parse(text))
    await new Promise((r) => setImmediate(r))
  }
  await allReplied.promise
  const wall = performance.now() - t0
  const cpu = process.cpuUsage(cpuBefore)
  console.log(
    `round ${round}: cpu ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms, gc ${(gcMs - gcBefore).toFixed(0)} ms, wall ${wall.toFixed(0)} ms, sent ${(received / 1e6).toFixed(2)} MB`,
  )
  stop()
  view.close()
  await engine.close()
  await rm(root, { recursive: true, force: true })
}
