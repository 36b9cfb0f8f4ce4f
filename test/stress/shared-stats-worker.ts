import { parentPort, workerData } from 'node:worker_threads'
import { SharedStats } from '../../src/engine/stats/shared-stats.ts'

/**
 * Hammers shared segments the way transfer workers do: advance a random segment by a random
 * chunk, count what was accepted; until the test sets the stop flag (slot 0 of `control`).
 * Publishes its step count in `control[1 + index]` as it goes, so the test can wait for real
 * contention instead of a wall-clock deadline (a loaded machine may start a worker late).
 */
const { buffer, control, index, download, seed } = workerData as {
  buffer: SharedArrayBuffer
  control: SharedArrayBuffer
  index: number
  download: number
  seed: number
}
const flags = new Int32Array(control)
const stats = new SharedStats(buffer)
let x = seed
const random = () => (x = (x * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff
let accepted = 0
let steps = 0
while (Atomics.load(flags, 0) === 0) {
  for (let i = 0; i < 256; i++) {
    const seg = Math.floor(random() * stats.segmentsUsed)
    const got = stats.advance(seg, 1 + Math.floor(random() * 65536))
    if (got > 0) {
      stats.addBytes(download, got)
      accepted += got
    }
    const s = stats.readSegment(seg)
    if (!(s.start <= s.pos && s.pos <= s.end))
      throw new Error(`torn segment ${seg}: ${JSON.stringify(s)}`)
    steps++
  }
  Atomics.store(flags, 1 + index, Math.min(steps, 2 ** 31 - 1))
}
parentPort!.postMessage({ accepted, steps })
