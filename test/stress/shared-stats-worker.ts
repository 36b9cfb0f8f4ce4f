import { parentPort, workerData } from 'node:worker_threads'
import { SharedStats } from '../../src/engine/stats/shared-stats.ts'

/**
 * Hammers shared segments the way transfer workers do: advance a random segment by a random
 * chunk, count what was accepted; until the deadline, and at least MIN_STEPS times (a loaded
 * machine may start this thread late). Reports how much it accepted.
 */
const MIN_STEPS = 20_000
const { buffer, deadline, download, seed } = workerData as {
  buffer: SharedArrayBuffer
  deadline: number
  download: number
  seed: number
}
const stats = new SharedStats(buffer)
let x = seed
const random = () => (x = (x * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff
let accepted = 0
let steps = 0
while (Date.now() < deadline || steps < MIN_STEPS) {
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
}
parentPort!.postMessage({ accepted, steps })
