import Aria2 from 'aria2'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { makeDirs, startEngine, type TestEngine } from '../../../test/engine-harness.ts'
import { makeBody, startFaultServer, type FaultServer } from '../../../test/fault-server.ts'
import { createAria2RpcServer, type Aria2RpcServer } from './aria2-rpc-server.ts'

/** The `aria2` npm package, a maintained JavaScript client of aria2's RPC, drives Downpour. */

const SECRET = 'npm-client-secret-1'
let server: FaultServer
let dirs: Awaited<ReturnType<typeof makeDirs>>
let engine: TestEngine
let rpc: Aria2RpcServer

beforeEach(async () => {
  server = await startFaultServer()
  dirs = await makeDirs()
  engine = await startEngine({ downloads: dirs.downloads, state: dirs.state })
  rpc = await createAria2RpcServer({ engine, secret: SECRET, port: 0 })
})

afterEach(async () => {
  await rpc.close()
  await engine.close()
  await server.close()
  await dirs.cleanup()
})

function client(): Aria2 {
  return new Aria2({
    host: '127.0.0.1',
    port: rpc.port,
    secure: false,
    secret: SECRET,
    path: '/jsonrpc',
  })
}

/** Records the client's notifications; `seen` waits (10 s at most) for one. */
function watch(aria2: Aria2, events: string[]) {
  const log: string[] = []
  for (const event of events) aria2.on(event, (params) => log.push(`${event} ${params[0]?.gid}`))
  return {
    log,
    async seen(event: string, gid: string, times = 1): Promise<void> {
      const deadline = Date.now() + 10_000
      while (log.filter((l) => l === `${event} ${gid}`).length < times) {
        if (Date.now() > deadline) throw new Error(`no ${event} for ${gid}: ${log.join(', ')}`)
        await new Promise((r) => setTimeout(r, 20))
      }
    },
  }
}

describe('the aria2 npm package against Downpour', () => {
  it('over HTTP: adds paused, reads status, resumes to completion, multicall and batch, purges', async () => {
    const aria2 = client()
    server.file('/npm.bin', makeBody(64_000, 1))
    const gid = await aria2.call<string>('addUri', [server.url('/npm.bin')], { pause: 'true' })
    expect(await aria2.call('tellStatus', gid, ['status'])).toEqual({ status: 'paused' })
    expect(await aria2.call('unpause', gid)).toBe(gid)
    let status = ''
    for (let i = 0; i < 400 && status !== 'complete'; i++) {
      status = (await aria2.call<{ status: string }>('tellStatus', gid, ['status'])).status
      if (status !== 'complete') await new Promise((r) => setTimeout(r, 50))
    }
    expect(status).toBe('complete')
    const [stat, version] = await aria2.multicall([['getGlobalStat'], ['getVersion']])
    expect(stat).toEqual([expect.objectContaining({ numStopped: '1' })])
    expect(version).toEqual([expect.objectContaining({ version: expect.any(String) })])
    const batch = await Promise.all(
      await aria2.batch([['tellStopped', 0, 10, ['gid']], ['tellActive']]),
    )
    expect(batch).toEqual([[{ gid }], []])
    expect(await aria2.listNotifications()).toContain('onDownloadComplete')
    expect(await aria2.call('purgeDownloadResult')).toBe('OK')
    await expect(
      new Aria2({ host: '127.0.0.1', port: rpc.port, secret: 'wrong' }).call('getVersion'),
    ).rejects.toThrow('Unauthorized')
  })

  it('over WebSocket: add, notifications, pause, resume, remove', async () => {
    const aria2 = client()
    await aria2.open()
    try {
      const notes = watch(aria2, ['onDownloadStart', 'onDownloadPause', 'onDownloadStop'])
      server.file('/ws.bin', makeBody(3_000_000, 2), { rateLimit: 100_000 })
      // One connection at 100 kB/s: it is still running when paused and removed.
      const gid = await aria2.call<string>('addUri', [server.url('/ws.bin')], { split: '1' })
      await notes.seen('onDownloadStart', gid)
      expect(await aria2.call('forcePause', gid)).toBe(gid)
      await notes.seen('onDownloadPause', gid)
      expect(await aria2.call('tellStatus', gid, ['status'])).toEqual({ status: 'paused' })
      expect(await aria2.call('unpause', gid)).toBe(gid)
      await notes.seen('onDownloadStart', gid, 2)
      expect(await aria2.call('forceRemove', gid)).toBe(gid)
      await notes.seen('onDownloadStop', gid)
      expect(notes.log).toEqual([
        `onDownloadStart ${gid}`,
        `onDownloadPause ${gid}`,
        `onDownloadStart ${gid}`,
        `onDownloadStop ${gid}`,
      ])
      expect(await aria2.call('tellStatus', gid, ['status'])).toEqual({ status: 'removed' })
      expect(await aria2.call('removeDownloadResult', gid)).toBe('OK')
      expect((await engine.snapshot()).downloads).toEqual([])
    } finally {
      await aria2.close()
    }
  })
})
