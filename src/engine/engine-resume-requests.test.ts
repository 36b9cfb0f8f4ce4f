import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { makeBody } from '../../test/fault-server.ts'
import { addOne, sha256, sha256File, useEngineHarness } from '../../test/engine-harness.ts'
import { resumeRequestProblems } from '../../test/resume-requests.ts'
import { missingRanges, type ByteRange } from './segments/byte-ranges.ts'

/**
 * What a resumed segmented download asks the server for: the missing ranges as the segment
 * planner plans them, each once. Every response here waits half a second before its head (a
 * slow origin, a long route, or simply a loaded machine): the time to first byte is longer
 * than a connection may stay silent once its bytes flow.
 */

const MiB = 1024 * 1024
const MIN_SPLIT = MiB
const { server, dirs, engine } = useEngineHarness({
  engine: { settings: { minSplitSize: MIN_SPLIT, maxConnectionsPerDownload: 4 } },
})

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function until(condition: () => Promise<boolean> | boolean, what: string): Promise<void> {
  for (let i = 0; i < 800; i++) {
    if (await condition()) return
    await sleep(25)
  }
  throw new Error(`timed out waiting for ${what}`)
}

describe('a resumed segmented download with holes', () => {
  it('asks for each missing range once, and no more often than the planner plans, when first bytes are slow', async () => {
    const size = 16 * MiB
    const body = makeBody(size, 111)
    server.file('/holes.bin', body, { rateLimit: MiB })
    const id = await addOne(engine, { url: server.url('/holes.bin') })
    // Several connections have fetched part of their segments: pausing leaves holes.
    await until(async () => {
      const d = (await engine.snapshot()).downloads.find((x) => x.id === id)
      const connections = new Set(server.requests('/holes.bin').map((r) => r.connectionId))
      return (d?.done ?? 0) >= 3 * MiB && connections.size >= 3
    }, '3 MiB over 3 connections')
    await engine.pause({ ids: [id] })
    const control = JSON.parse(
      await readFile(join(dirs.downloads, 'holes.bin.part.downpour'), 'utf8'),
    ) as { durable: ByteRange[] }
    const missing = missingRanges(control.durable, size)
    expect(missing.length).toBeGreaterThanOrEqual(2)

    // The resume may use up to 32 connections; each response head comes after 500 ms.
    await engine.updateSettings({ maxConnectionsPerDownload: 32 })
    server.file('/holes.bin', body, {
      rateLimit: 4 * MiB,
      fault: () => ({ kind: 'delay', ms: 500 }),
    })
    const before = server.requests('/holes.bin').length
    await engine.resume({ ids: [id] })
    const done = await engine.waitFor(id, ['completed', 'failed'], 40_000)
    expect(done.error?.message ?? null).toBeNull()
    expect(done.state).toBe('completed')
    expect(await sha256File(join(dirs.downloads, 'holes.bin'))).toBe(sha256(body))
    // No connection failed (the clause under which a range may be asked for again).
    expect(engine.logs.map((l) => l.message).join('\n')).not.toMatch(/ended early|retrying/)
    const resumed = server.requests('/holes.bin').slice(before)
    expect(resumeRequestProblems(resumed, missing, size, MIN_SPLIT)).toEqual([])
  }, 60_000)
})
