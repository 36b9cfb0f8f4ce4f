import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { makeBody } from '../../test/fault-server.ts'
import { addOne, sha256, sha256File, useEngineHarness } from '../../test/engine-harness.ts'

// Timeouts far above what a loaded 2-core machine takes to answer: these tests are about which
// connection fetches the end of the file, not about timeouts.
const { server, dirs, engine } = useEngineHarness({ engine: { settings: { timeoutMs: 20_000 } } })
const KiB = 1024
const MiB = 1024 * KiB

describe('the end of the file after a back-off', () => {
  it('a 503 halving the target while many connections live: the refused range is fetched in the same attempt, beside the others', async () => {
    await engine.updateSettings({ minSplitSize: 256 * KiB })
    const body = makeBody(6 * MiB, 2201)
    const path = '/backoff.bin'
    /** Per GET: its range and how many requests to the file were open as it arrived. */
    const arrivals: { start: number; open: number }[] = []
    const REFUSED = 6
    server.file(path, body, {
      // Every connection is slow, the same pace for all (no laggards): each keeps its range for
      // seconds, so the download runs above its halved target until connections end.
      rateLimit: 384 * KiB,
      fault: ({ attempt, range }) => {
        arrivals.push({ start: range?.start ?? 0, open: server.activeRequests(path) })
        // One request of the ramp's, while several connections live: the server asks for
        // fewer (ConnectionRamp.backOff halves the target; live stays above it).
        return attempt === REFUSED
          ? { kind: 'status', status: 503, headers: { 'retry-after': '0' } }
          : undefined
      },
    })
    const id = await addOne(engine, { url: server.url(path), maxConnections: 8 })
    const done = await engine.waitFor(id, ['completed', 'failed'], 90_000)
    expect(done.state).toBe('completed')
    expect(await sha256File(join(dirs.downloads, 'backoff.bin'))).toBe(sha256(body))
    const refused = arrivals[REFUSED - 1]!
    // Several connections were live when it came (what makes live > target after halving).
    expect(refused.open).toBeGreaterThanOrEqual(4)
    // The refused range went back to the gaps; a connection of the same attempt took it while
    // others still fetched. Without closesOverTarget every connection was refused work while
    // live > target and idle ones lingered: the range waited for all the others to end, the
    // attempt ended with the 503 and the download retried (tries 2).
    const again = arrivals.slice(REFUSED).find((a) => a.start === refused.start)
    expect(again, JSON.stringify(arrivals)).toBeDefined()
    expect(again!.open, JSON.stringify(arrivals)).toBeGreaterThan(1)
    expect(done.tries).toBe(1)
  }, 120_000)
})
