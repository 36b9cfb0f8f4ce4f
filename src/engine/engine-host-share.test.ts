import { describe, expect, it } from 'vitest'
import type { TestEngine } from '../../test/engine-harness.ts'
import { addOne, useEngineHarness } from '../../test/engine-harness.ts'
import { makeBody, type Fault, type RequestedRange } from '../../test/fault-server.ts'

const { server, open } = useEngineHarness({ engine: false })

const MiB = 1024 * 1024

/**
 * Settings for a host cap of `cap` that one download may hold whole (-x the same), small
 * splits, and timeouts far above a loaded machine's.
 */
function capOf(cap: number) {
  return {
    maxConnectionsPerHost: cap,
    maxConnectionsPerDownload: cap,
    minSplitSize: 256 * 1024,
    timeoutMs: 60_000,
  }
}

/**
 * A fault that stalls the response holding a file's last byte just before it, so the download
 * outlives the test; other ranges are served whole.
 */
function stallLastByte(size: number, range: RequestedRange | undefined): Fault | undefined {
  return range?.end !== undefined && range.end < size - 1
    ? undefined
    : { kind: 'stall', afterBytes: size - 1 - Math.max(0, range?.start ?? 0) }
}

/**
 * The connections each running download had at its last heartbeat (a beat lists only the
 * downloads whose figures changed), and a wait for the first beat at which `ready` holds of
 * them — a wait for an event, which rejects with what was seen when it never comes.
 */
function watchConnections(engine: TestEngine) {
  const connections = new Map<string, number>()
  engine.on('progress/beat', (beat) => {
    for (const item of beat.items) connections.set(item.id, item.connections)
  })
  return (ready: (c: ReadonlyMap<string, number>) => boolean, timeoutMs = 20_000) =>
    new Promise<Map<string, number>>((resolve, reject) => {
      const timer = setTimeout(() => {
        off()
        reject(new Error(`never seen; last connections: ${JSON.stringify([...connections])}`))
      }, timeoutMs)
      const off = engine.on('progress/beat', () => {
        if (!ready(connections)) return
        clearTimeout(timer)
        off()
        resolve(new Map(connections))
      })
    })
}

describe('downloads from one server run side by side', () => {
  it('a third download from a host whose cap two running downloads hold starts at once: connections are handed over', async () => {
    // The cap is small so one download can hold all of it; -j 5 lets all three run.
    const engine = await open({
      settings: { ...capOf(4), maxConcurrentDownloads: 5 },
    })
    const untilBeat = watchConnections(engine)
    const size = 8 * MiB
    for (const name of ['f1', 'f2', 'f3']) {
      // Slow connections (so the first download ramps to the whole cap), and the response
      // holding the last byte stalls before it: none of the three can finish during the test.
      server.file(`/${name}`, makeBody(size, name.charCodeAt(1)), {
        rateLimit: 256 * 1024,
        fault: ({ range }) => stallLastByte(size, range),
      })
    }
    const f1 = await addOne(engine, { url: server.url('/f1') })
    // The first download alone takes every connection the host allows.
    await untilBeat((c) => c.get(f1) === 4)
    const f2 = await addOne(engine, { url: server.url('/f2') })
    await untilBeat((c) => (c.get(f2) ?? 0) >= 1 && (c.get(f1) ?? 0) >= 1)
    const f3 = await addOne(engine, { url: server.url('/f3') })
    // All three transferring at once — the server answering requests for each file at the
    // same moment — each within its share (4 ÷ 3, rounded up): the host's connections were
    // handed over by the first two rather than waited for.
    const paths = ['/f1', '/f2', '/f3']
    const seen = await untilBeat(
      (c) =>
        [f1, f2, f3].every((id) => (c.get(id) ?? 0) >= 1 && (c.get(id) ?? 0) <= 2) &&
        paths.every((path) => server.activeRequests(path) >= 1),
    )
    expect([...seen.keys()].sort()).toEqual([f1, f2, f3].sort())
    // …and the server never saw one over the cap, not even while a download started at it:
    // its first connection waited for the slot handed over.
    expect(server.maxConcurrentConnections()).toBeLessThanOrEqual(4)
    const { downloads } = await engine.snapshot()
    expect(downloads.map((d) => d.state)).toEqual(['downloading', 'downloading', 'downloading'])
    for (const path of paths) expect(server.bytesServed(path)).toBeLessThan(size)
    await engine.remove({ all: true })
  }, 60_000)

  it('a download with more left gets the larger share, so downloads from one server end together', async () => {
    const engine = await open({
      settings: { ...capOf(6), maxConcurrentDownloads: 5 },
    })
    const seen = new Map<string, { connections: number; done: number }>()
    engine.on('progress/beat', (beat) => {
      for (const item of beat.items) seen.set(item.id, item)
    })
    const until = (ready: () => boolean, what: string) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          off()
          reject(new Error(`never ${what}; last: ${JSON.stringify([...seen])}`))
        }, 20_000)
        const off = engine.on('progress/beat', () => {
          if (!ready()) return
          clearTimeout(timer)
          off()
          resolve()
        })
      })
    const size = 8 * MiB
    for (const name of ['g1', 'g2']) {
      // Each connection held to 512 KiB/s, the last byte stalled: neither ends in the test.
      server.file(`/${name}`, makeBody(size, name.charCodeAt(1)), {
        rateLimit: 512 * 1024,
        fault: ({ range }) => stallLastByte(size, range),
      })
    }
    const g1 = await addOne(engine, { url: server.url('/g1') })
    await until(() => (seen.get(g1)?.done ?? 0) >= 4 * MiB, 'half of g1')
    const g2 = await addOne(engine, { url: server.url('/g2') })
    // g1 has about half as much left as g2: of the six, one each and the other four by bytes
    // left, 2 and 4 (even shares: 3 and 3, which g2 never passed while g1 still had ranges to
    // split, as here with 2 MiB left).
    await until(() => {
      const [a, b] = [seen.get(g1), seen.get(g2)]
      return !!a && !!b && b.connections >= 4 && a.connections >= 1 && size - a.done >= 2 * MiB
    }, 'g2 on four connections while g1 had 2 MiB left')
    await engine.remove({ all: true })
  }, 60_000)
})

describe('a download alone at its host cap', () => {
  it('keeps every connection of the cap after its first connection ended early', async () => {
    const engine = await open({
      settings: { ...capOf(4) },
    })
    const untilBeat = watchConnections(engine)
    const size = 16 * MiB
    // The first socket (the probe's) crawls at 32 KiB/s, the others run at 512 KiB/s, and the
    // first answer is reset after 128 KiB (4 s: the others have started long before), which
    // ends the probe's connection; the others take its rest over. The last byte stalls, so the
    // download outlives the test.
    let first: number | undefined
    server.file('/own.bin', makeBody(size, 31), {
      rateLimit: (connection) => {
        first ??= connection
        return connection === first ? 32 * 1024 : 512 * 1024
      },
      fault: ({ attempt, range }) => {
        if (attempt === 1) return { kind: 'reset', afterBytes: 128 * 1024 }
        return stallLastByte(size, range)
      },
    })
    const id = await addOne(engine, { url: server.url('/own.bin') })
    // Another connection asked for the probe's rest (it starts inside the probe's first 256 KiB,
    // where no other range starts): the probe's connection has ended, or is ending.
    let takenAt = Infinity
    const probeGone = (): boolean => {
      const rest = server
        .requests('/own.bin')
        .some(
          (r, i) =>
            i > 0 && r.range !== undefined && r.range.start > 0 && r.range.start < 256 * 1024,
        )
      if (rest && takenAt === Infinity) takenAt = performance.now()
      return performance.now() - takenAt >= 500
    }
    // The host counts a download's first connection while the download runs: when that
    // connection ended, its slot went unused, and the download ran on three of the four.
    const seen = await untilBeat((c) => probeGone() && c.get(id) === 4)
    expect(seen.get(id)).toBe(4)
    await engine.remove({ all: true })
  }, 60_000)
})
