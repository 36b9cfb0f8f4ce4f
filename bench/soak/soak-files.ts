// The soak's download list: mixed sizes, some slow, some served without ranges or with an
// unknown length, all derived from one seed so a failing round can be replayed exactly.
import { createHash } from 'node:crypto'
import { makeBody } from '../../test/fault-server.ts'
import type { FaultServer } from '../../test/fault-server.ts'

/** How a file is served: with ranges, without (200 only), or chunked (no length, no ranges). */
export type ServeKind = 'ranged' | 'unranged' | 'chunked'

export type SoakFile = {
  name: string
  size: number
  kind: ServeKind
  /** Rate-limited per connection, so it is usually in flight when the CLI is interrupted. */
  slow: boolean
  body: Buffer
  sha256: string
}

const KiB = 1024
const MiB = 1024 * KiB
/** Bytes per second per connection of a slow file. */
export const SLOW_RATE = 256 * KiB

/** A small seeded generator (mulberry32): the same seed gives the same plan and moments. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/**
 * `count` files: about 75 % small (1 B–64 KiB, W2's kind), 20 % medium (64 KiB–512 KiB), 5 %
 * large (1–4 MiB, split into segments); 3 % of all are slow, 12 % unranged, 5 % chunked.
 * A 2,000-file list is ~110 MiB.
 */
export function planFiles(count: number, seed: number): SoakFile[] {
  const random = seededRandom(seed)
  const between = (low: number, high: number) => low + Math.floor(random() * (high - low + 1))
  const files: SoakFile[] = []
  for (let i = 0; i < count; i++) {
    const r = random()
    const size =
      r < 0.75
        ? between(1, 64 * KiB)
        : r < 0.95
          ? between(64 * KiB, 512 * KiB)
          : between(MiB, 4 * MiB)
    const k = random()
    const kind: ServeKind = k < 0.05 ? 'chunked' : k < 0.17 ? 'unranged' : 'ranged'
    const slow = random() < 0.03
    const body = makeBody(size, (seed * 7919 + i + 1) >>> 0)
    const name = `f${String(i).padStart(5, '0')}-${kind}${slow ? '-slow' : ''}.bin`
    files.push({ name, size, kind, slow, body, sha256: sha256(body) })
  }
  return files
}

/** Serves every file under `/soak/<name>` on `server`. */
export function serveFiles(server: FaultServer, files: readonly SoakFile[]): void {
  for (const file of files) {
    server.file(`/soak/${file.name}`, file.body, {
      ...(file.kind === 'unranged' ? { acceptRanges: false } : {}),
      ...(file.kind === 'chunked' ? { chunked: true } : {}),
      ...(file.slow ? { rateLimit: SLOW_RATE } : {}),
    })
  }
}

/** The `-i` list: one URL a line. */
export function listText(server: FaultServer, files: readonly SoakFile[]): string {
  return files.map((file) => server.url(`/soak/${file.name}`)).join('\n') + '\n'
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex')
}
