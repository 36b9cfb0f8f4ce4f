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

describe('the end of the file when every connection is slow', () => {
  it('an idle connection takes part of a slow rest under 2 × minSplit, instead of waiting seconds for it', async () => {
    // minSplit stays at its default (1 MiB). The second half of the file comes at 256 KiB/s a
    // connection, the first at 512 KiB/s (twice as fast: nobody is a laggard, nothing to rob):
    // the connections that fetched the first half end seconds before those of the second,
    // which hold ~1 MiB each then, under 2 × minSplit and 4 s at their pace.
    const body = makeBody(6 * MiB, 2202)
    const path = '/slow-end.bin'
    /** Per GET: what each earlier request to the file had been sent when it arrived. */
    const sentAtArrival: number[][] = []
    server.file(path, body, {
      // Asked as each response starts: by where the connection's latest request starts.
      rateLimit: (connection) => {
        const latest = server.requests(path).findLast((r) => r.connectionId === connection)
        return (latest?.range?.start ?? 0) < 3 * MiB ? 512 * KiB : 256 * KiB
      },
      fault: () => {
        sentAtArrival.push(server.requests(path).map((r) => r.bytesServed))
        return undefined
      },
    })
    const id = await addOne(engine, { url: server.url(path), maxConnections: 3 })
    const done = await engine.waitFor(id, ['completed', 'failed'], 90_000)
    expect(done.state).toBe('completed')
    expect(await sha256File(join(dirs.downloads, 'slow-end.bin'))).toBe(sha256(body))
    const requests = server.requests(path).filter((r) => r.method === 'GET')
    const asked = requests.map((r) => ({
      start: r.range?.start ?? 0,
      end: r.range?.end === undefined ? body.length : r.range.end + 1,
    }))
    // An endgame split, as the server saw it: a request for less than minSplit whose range lies
    // inside the range of a response still running on another connection, which kept sending
    // for a while after it arrived (the victim kept a tail: not a steal) and stopped where the
    // new request starts (not a gap left over from an earlier cut). Without the endgame split,
    // every split leaves both sides minSplit, and a steal takes all the rest.
    const endgameSplits = requests.filter((r, i) => {
      const own = asked[i]!
      if (own.end - own.start >= MiB) return false
      return requests.some((victim, j) => {
        if (j >= i || victim.connectionId === r.connectionId) return false
        const range = asked[j]!
        if (own.start <= range.start || own.end > range.end) return false
        const sentThen = sentAtArrival[i]![j]!
        const keptTail = own.start - (range.start + sentThen) >= 16 * KiB
        return keptTail && range.start + victim.bytesServed >= own.start
      })
    })
    const byConnection = new Map<number, number>()
    for (const r of requests)
      byConnection.set(r.connectionId, (byConnection.get(r.connectionId) ?? 0) + r.bytesServed)
    const report = JSON.stringify({
      requests: requests.map((r, i) => [r.connectionId, asked[i], r.bytesServed]),
      byConnection: [...byConnection],
    })
    expect(endgameSplits.length, report).toBeGreaterThan(0)
  }, 120_000)
})

describe('servers that pace in bursts (nginx limit_rate)', () => {
  it('a short piece that came in one burst is not its connection speed: no equal connection yields as too slow', async () => {
    const body = makeBody(5 * MiB, 2203)
    // Every connection the same pace, in nginx's bursts (bench/same-host.ts): a request's first
    // 128 KiB at once, the next a second later. Endgame pieces and short rests (under minSplit,
    // 1 MiB) come in one burst.
    server.file('/bursts.bin', body, { rateLimit: 128 * KiB, rateBursts: true })
    const id = await addOne(engine, { url: server.url('/bursts.bin'), maxConnections: 8 })
    const done = await engine.waitFor(id, ['completed', 'failed'], 90_000)
    expect(done.state).toBe('completed')
    expect(await sha256File(join(dirs.downloads, 'bursts.bin'))).toBe(sha256(body))
    const line = engine.logs.map((l) => l.message).find((m) => m.includes('connections: '))
    expect(line).toBeDefined()
    // No connection is four times slower than another: none may close as too slow. Judged by a
    // burst, a loop that fetched a short piece read as several MiB/s, and the others yielded.
    expect(Number(/(\d+) closed as too slow/.exec(line!)?.[1])).toBe(0)
  }, 120_000)
})
