// node bench/ui/add-replay.ts --frames FILE [--old /work/wt/base] [--old-frames FILE] [--rounds 5]
//
// The WebSocket frames a page received during bench:ui's add of 10,000 (bulk-run.ts --only add
// --frames FILE) fed through the page's store — parsed and handed to the engine client as
// websocket.ts does, the mirror, the store and its view — for this checkout's sources and
// another's (`--old`), alternately in one process. React is not in it (no component is
// mounted): what it measures is the store's own work per message, in CPU time, which on a
// machine shared with other work compares fairly where the bench's wall times swing.
// `--old-frames`: the old side's own recording, when the two speak different wire forms (a
// `download/added` packed or not: shared/protocol/added-on-wire.ts).
import { resolve } from 'node:path'
import { readFile } from 'node:fs/promises'
import { PerformanceObserver, performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'

const { values } = parseArgs({
  options: {
    frames: { type: 'string' },
    old: { type: 'string', default: '/work/wt/base' },
    rounds: { type: 'string', default: '5' },
    'old-frames': { type: 'string' },
  },
})
if (!values.frames) throw new Error('--frames FILE (from bulk-run.ts --only add --frames FILE)')
const readFrames = async (file: string) =>
  (await readFile(file, 'utf8'))
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as string)
const newFrames = await readFrames(values.frames)
const oldFrames = values['old-frames'] ? await readFrames(values['old-frames']) : newFrames
const rounds = Number(values.rounds)

type Side = { name: string; run: () => Promise<Figures> }
type Figures = { cpuMs: number; longestMs: number; over16: number; gcMs: number; count: number }

/** The page's store from a checkout's sources (each root is its own module graph). */
async function side(name: string, root: string, frames: readonly string[]): Promise<Side> {
  const src = (path: string) => import(resolve(root, 'src', path))
  const rpc = await src('shared/protocol/rpc.ts')
  const appStore = await src('renderer/src/store/app-store.ts')
  const sink = await src('renderer/src/store/engine-sink.ts')
  const settings = (await src('shared/protocol/default-settings.ts')).DEFAULT_SETTINGS
  appStore.publishGate.enable()
  // The revision the first event follows: the snapshot the page held before the add.
  const first = frames
    .map((f) => JSON.parse(f))
    .find((m) => m.kind === 'event' && m.name.startsWith('download/'))
  const startRevision = first.payload.revision - 1
  return {
    name,
    async run() {
      appStore.resetAppStore()
      const listeners = new Set<(message: unknown) => void>()
      const port = {
        postMessage(message: { seq: number; method: string }) {
          // The mirror's first read: an empty queue at the revision before the add.
          if (message.method !== 'snapshotHead') return
          queueMicrotask(() => {
            const reply = {
              kind: 'reply',
              seq: message.seq,
              ok: true,
              value: {
                revision: startRevision,
                downloads: [],
                total: 0,
                cursor: null,
                settings,
              },
            }
            for (const l of [...listeners]) l(reply)
          })
        },
        onMessage(listener: (message: unknown) => void) {
          listeners.add(listener)
          return () => listeners.delete(listener)
        },
      }
      const client = rpc.createEngineClient(port)
      const unbind = sink.bindClient(client)
      await new Promise((r) => setTimeout(r, 10))
      let gcMs = 0
      const gc = new PerformanceObserver((list) => {
        for (const e of list.getEntries()) gcMs += e.duration
      })
      gc.observe({ entryTypes: ['gc'] })
      const cpuBefore = process.cpuUsage()
      let longestMs = 0
      let over16 = 0
      for (const text of frames) {
        const start = performance.now()
        const message = JSON.parse(text)
        for (const l of [...listeners]) l(message)
        const ms = performance.now() - start
        longestMs = Math.max(longestMs, ms)
        if (ms > 16) over16++
        // A task per message, as the page's drain gives at least: the gate's microtasks run.
        await new Promise((r) => setImmediate(r))
      }
      const cpu = process.cpuUsage(cpuBefore)
      await new Promise((r) => setTimeout(r, 20))
      gc.disconnect()
      const count = appStore.useAppStore.getState().view.counts.all
      unbind()
      client.dispose()
      return { cpuMs: (cpu.user + cpu.system) / 1000, longestMs, over16, gcMs, count }
    },
  }
}

const sides = [
  await side('old', resolve(values.old!), oldFrames),
  await side('new', resolve(import.meta.dirname, '..', '..'), newFrames),
]
const all = new Map<string, Figures[]>(sides.map((s) => [s.name, []]))
// A warm-up round each (JIT), not counted; then alternately.
for (const s of sides) await s.run()
for (let r = 0; r < rounds; r++)
  for (const s of r % 2 === 0 ? sides : [...sides].reverse()) {
    const f = await s.run()
    all.get(s.name)!.push(f)
    console.log(
      `[add-replay] ${s.name} round ${r + 1}: cpu ${f.cpuMs.toFixed(0)} ms, longest message ${f.longestMs.toFixed(1)} ms, messages > 16 ms ${f.over16}, gc ${f.gcMs.toFixed(1)} ms, counted ${f.count}`,
    )
  }
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
for (const [name, list] of all)
  console.log(
    `[add-replay] ${name} median of ${list.length}: cpu ${median(list.map((f) => f.cpuMs)).toFixed(0)} ms, longest message ${median(list.map((f) => f.longestMs)).toFixed(1)} ms, gc ${median(list.map((f) => f.gcMs)).toFixed(1)} ms`,
  )
