import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { makeBody, startFaultServer, type FaultServer } from '../../../test/fault-server.ts'
import {
  makeDirs,
  sha256,
  sha256File,
  startEngine,
  type TestEngine,
} from '../../../test/engine-harness.ts'
import { Aria2TestClient, Aria2TestSocket } from '../../../test/aria2-rpc-client.ts'
import { createAria2RpcServer, type Aria2RpcServer } from './aria2-rpc-server.ts'

const SECRET = 'open sesame, open now'
let server: FaultServer
let dirs: Awaited<ReturnType<typeof makeDirs>>
let engine: TestEngine
let rpc: Aria2RpcServer
let client: Aria2TestClient
let shutdowns: boolean[]

beforeEach(async () => {
  server = await startFaultServer()
  dirs = await makeDirs()
  engine = await startEngine({ downloads: dirs.downloads, state: dirs.state })
  shutdowns = []
  rpc = await createAria2RpcServer({
    engine,
    secret: SECRET,
    port: 0,
    shutdown: (force) => shutdowns.push(force),
  })
  client = new Aria2TestClient(rpc.url, SECRET)
})

afterEach(async () => {
  await rpc.close()
  await engine.close()
  await server.close()
  await dirs.cleanup()
})

const STRING_KEYS = [
  'gid',
  'status',
  'totalLength',
  'completedLength',
  'uploadLength',
  'downloadSpeed',
  'uploadSpeed',
  'connections',
  'dir',
]

describe('aria2 RPC over HTTP POST', () => {
  it('changeOption applies out and checksum to a paused download and refuses what it cannot change, saying why', async () => {
    server.file('/opt.bin', makeBody(1000, 10))
    const gid = await client.call<string>('aria2.addUri', [server.url('/opt.bin')], {
      pause: 'true',
      header: ['X-Custom: yes', 'Cookie: session=secret'],
      referer: 'http://from.example/',
    })
    const before = await client.call<Record<string, string>>('aria2.getOption', gid)
    // Secrets are never read back, as in the details panel.
    expect(before['header']).toBe('x-custom: yes\ncookie: [redacted]\n')
    expect(before['referer']).toBe('http://from.example/')
    const sum = 'sha-256=' + sha256(makeBody(1000, 10))
    expect(await client.call('aria2.changeOption', gid, { out: 'other.bin', checksum: sum })).toBe(
      'OK',
    )
    const after = await client.call<Record<string, string>>('aria2.getOption', gid)
    expect(after['out']).toBe('other.bin')
    expect(after['checksum']).toBe(sum)
    for (const [name, value] of [
      ['header', 'X-New: 1'],
      ['referer', 'http://elsewhere.example/'],
    ] as const) {
      const refused = await client.post('aria2.changeOption', gid, { [name]: value })
      expect(refused.body.error?.message).toMatch(/^Downpour .* remove it and add it again/)
    }
    // dir: the engine's changeFolder (nothing on disk yet: applied); a folder not there is
    // refused with the reason, never made.
    const chosen = join(dirs.root, 'chosen')
    const missing = await client.post('aria2.changeOption', gid, { dir: chosen })
    expect(missing.body.error?.message).toBe(
      `the folder ${chosen} does not exist: choose one that does`,
    )
    expect(existsSync(chosen)).toBe(false)
    await mkdir(chosen)
    expect(await client.call('aria2.changeOption', gid, { dir: chosen })).toBe('OK')
    const status = await client.call<{ dir: string }>('aria2.tellStatus', gid, ['dir'])
    expect(status.dir).toBe(chosen)
    expect(await client.call('aria2.unpause', gid)).toBe(gid)
    await client.waitStatus(gid, ['complete'])
    expect(await sha256File(join(chosen, 'other.bin'))).toBe(sha256(makeBody(1000, 10)))
    expect(existsSync(join(dirs.downloads, 'other.bin'))).toBe(false)
  })

  it('changeOption dir on a paused download with partial data in a folder still there: refused with the reason, nothing moved', async () => {
    server.file('/part.bin', makeBody(2_000_000, 11), { rateLimit: 300_000 })
    const gid = await client.call<string>('aria2.addUri', [server.url('/part.bin')])
    for (let i = 0; i < 400; i++) {
      const s = await client.call<{ completedLength: string }>('aria2.tellStatus', gid, [
        'completedLength',
      ])
      if (Number(s.completedLength) > 0) break
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
    expect(await client.call('aria2.pause', gid)).toBe(gid)
    await client.waitStatus(gid, ['paused'])
    const chosen = join(dirs.root, 'elsewhere')
    await mkdir(chosen)
    const refused = await client.post('aria2.changeOption', gid, {
      dir: chosen,
      'max-download-limit': '1M',
    })
    expect(refused.body.error?.message).toBe(
      `"part.bin" has its partial data in ${dirs.downloads}, which is still there; it is not moved: resume it there, or remove it with its partial data and add it again into ${chosen}`,
    )
    // Nothing of the call applied: not the limit either.
    const option = await client.call<Record<string, string>>('aria2.getOption', gid)
    expect(option['max-download-limit']).toBe('0')
    expect(existsSync(join(dirs.downloads, 'part.bin.part'))).toBe(true)
  })

  it('reports the pieces a download holds in bitfield, running and paused (AriaNg’s Pieces tab)', async () => {
    const MiB = 1024 * 1024
    server.file('/pieces.bin', makeBody(3 * MiB, 9), { rateLimit: 1.5 * MiB })
    const gid = await client.call<string>('aria2.addUri', [server.url('/pieces.bin')], {
      split: '1',
    })
    const keys = ['status', 'completedLength', 'numPieces', 'bitfield']
    let running: Record<string, string> = {}
    for (let i = 0; i < 400; i++) {
      running = await client.call('aria2.tellStatus', gid, keys)
      if (Number(running.completedLength) >= 1.2 * MiB) break
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
    // One connection from byte 0: piece 0 is in, the last piece is not.
    expect(running.status).toBe('active')
    expect(running.numPieces).toBe('3')
    expect(running.bitfield).toMatch(/^[89abcdef][0]$/)
    await client.call('aria2.forcePause', gid)
    const paused = await client.waitStatus(gid, ['paused'])
    const whole = Math.floor(Number(paused['completedLength']) / MiB)
    const expected = ((0xff << (8 - whole)) & 0xe0).toString(16).padStart(2, '0')
    expect((await client.call<{ bitfield: string }>('aria2.tellStatus', gid)).bitfield).toBe(
      expected,
    )
  })

  it('adds a download, reports it as aria2 does while it runs and once complete, purges the result but never the file', async () => {
    const body = makeBody(300_000, 3)
    server.file('/one.bin', body)
    const gid = await client.call<string>('aria2.addUri', [server.url('/one.bin')], {
      out: 'named.bin',
    })
    expect(gid).toMatch(/^[0-9a-f]{16}$/)
    const done = await client.waitStatus(gid, ['complete', 'error'])
    expect(done['status']).toBe('complete')
    for (const key of STRING_KEYS) expect(typeof done[key], key).toBe('string')
    expect(done).toMatchObject({
      gid,
      totalLength: '300000',
      completedLength: '300000',
      downloadSpeed: '0',
      connections: '0',
      errorCode: '0',
      dir: dirs.downloads,
      numPieces: '1',
      bitfield: '80',
    })
    expect(done['files']).toEqual([
      {
        index: '1',
        path: join(dirs.downloads, 'named.bin'),
        length: '300000',
        completedLength: '300000',
        selected: 'true',
        uris: [{ uri: server.url('/one.bin'), status: 'used' }],
      },
    ])
    expect(await sha256File(join(dirs.downloads, 'named.bin'))).toBe(sha256(body))
    // keys restrict the answer; a unique prefix names the download.
    expect(
      await client.call('aria2.tellStatus', gid.slice(0, 6), ['gid', 'status', 'nope']),
    ).toEqual({
      gid,
      status: 'complete',
    })
    const stopped = await client.call<{ gid: string }[]>('aria2.tellStopped', 0, 10, ['gid'])
    expect(stopped).toEqual([{ gid }])
    expect(await client.call('aria2.getGlobalStat')).toEqual({
      downloadSpeed: '0',
      uploadSpeed: '0',
      numActive: '0',
      numWaiting: '0',
      numStopped: '1',
      numStoppedTotal: '1',
    })
    expect(await client.call('aria2.purgeDownloadResult')).toBe('OK')
    expect(await client.call('aria2.tellStopped', 0, 10)).toEqual([])
    expect((await engine.snapshot()).downloads).toEqual([])
    expect(existsSync(join(dirs.downloads, 'named.bin'))).toBe(true)
    const gone = await client.post('aria2.tellStatus', gid)
    expect(gone.status).toBe(400)
    expect(gone.body.error).toEqual({ code: 1, message: `GID ${gid} is not found` })
  })

  it('maps addUri options onto the download: headers, referer, user-agent, limit, tries, connections, checksum', async () => {
    const body = makeBody(5000, 4)
    server.file('/h.bin', body)
    const gid = await client.call<string>('aria2.addUri', [server.url('/h.bin')], {
      header: ['Cookie: a=b', 'X-Thing: 1'],
      referer: '*',
      'user-agent': 'AriaNg/1.3',
      'max-download-limit': '100K',
      'max-tries': '3',
      split: '16',
      'max-connection-per-server': '4',
      checksum: `sha-256=${sha256(body)}`,
      'unknown-option': 'ignored',
      'min-split-size': 20,
    })
    expect((await client.waitStatus(gid, ['complete', 'error']))['status']).toBe('complete')
    const seen = server.requests('/h.bin')[0]!.headers
    expect(seen['cookie']).toBe('a=b')
    expect(seen['x-thing']).toBe('1')
    expect(seen['referer']).toBe(server.url('/h.bin'))
    expect(seen['user-agent']).toBe('AriaNg/1.3')
    const options = await client.call<Record<string, string>>('aria2.getOption', gid)
    expect(options).toMatchObject({
      'max-download-limit': '102400',
      'max-tries': '3',
      split: '4',
      'max-connection-per-server': '4',
      checksum: `sha-256=${sha256(body)}`,
      dir: dirs.downloads,
      out: 'h.bin',
    })
    const bad = await client.post('aria2.addUri', [server.url('/x')], {
      'max-download-limit': 'fast',
    })
    expect(bad.status).toBe(400)
    expect(bad.body.error).toEqual({
      code: 1,
      message: "We encountered a problem while processing the option '--max-download-limit'.",
    })
    expect((await client.post('aria2.addUri', [])).body.error?.message).toBe('URI is not provided.')
    expect((await client.post('aria2.addUri', ['ftp://x/y'])).body.error?.message).toMatch(/ftp/)
    expect((await client.post('aria2.addUri', 'x')).body.error?.message).toBe(
      'The parameter at 0 has wrong type.',
    )
  })

  it('never shows the password of a download added with credentials (the window puts them in the URL)', async () => {
    const password = 'pa55:w%rd'
    const url = server
      .url('/locked.bin')
      .replace('http://', `http://ann:${encodeURIComponent(password)}@`)
    const { added } = await engine.add([{ url, paused: true }])
    expect(added).toHaveLength(1)
    const [waiting] = await client.call<Record<string, unknown>[]>('aria2.tellWaiting', 0, 10)
    const gid = String(waiting!['gid'])
    const answers = [
      waiting,
      await client.call('aria2.tellStatus', gid),
      await client.call('aria2.getUris', gid),
      await client.call('aria2.getFiles', gid),
      await client.call('aria2.getOption', gid),
    ]
    const text = JSON.stringify(answers)
    expect(text).toContain('ann:***@')
    for (const secret of [password, encodeURIComponent(password)])
      expect(text).not.toContain(secret)
  })

  it('queues, pauses, reorders, changes options and resumes downloads as aria2 does', async () => {
    server.file('/a.bin', makeBody(2000, 5))
    server.file('/b.bin', makeBody(2000, 6))
    server.file('/c.bin', makeBody(2000, 7))
    // One after the other: the queue order is the order of adding.
    const add = (p: string) =>
      client.call<string>('aria2.addUri', [server.url(p)], { pause: 'true' })
    const a = await add('/a.bin')
    const b = await add('/b.bin')
    const c = await add('/c.bin')
    const waiting = async () =>
      (await client.call<{ gid: string }[]>('aria2.tellWaiting', 0, 100, ['gid'])).map((w) => w.gid)
    expect(await waiting()).toEqual([a, b, c])
    expect(await client.call('aria2.tellStatus', a, ['status'])).toEqual({ status: 'paused' })
    expect(await client.call('aria2.changePosition', c, 0, 'POS_SET')).toBe(0)
    expect(await waiting()).toEqual([c, a, b])
    expect(await client.call('aria2.changePosition', c, 1, 'POS_CUR')).toBe(1)
    expect(await waiting()).toEqual([a, c, b])
    expect(await client.call('aria2.changePosition', a, 0, 'POS_END')).toBe(2)
    expect(await waiting()).toEqual([c, b, a])
    expect(await client.call('aria2.changePosition', a, -10, 'POS_CUR')).toBe(0)
    expect((await client.post('aria2.changePosition', a, 0, 'POS_X')).body.error?.message).toBe(
      'Illegal argument.',
    )
    // Negative offsets count from the end and come back reversed.
    expect(
      (await client.call<{ gid: string }[]>('aria2.tellWaiting', -1, 2, ['gid'])).map((w) => w.gid),
    ).toEqual([b, c])
    expect(
      await client.call('aria2.changeOption', b, { 'max-download-limit': '1M', split: '2' }),
    ).toBe('OK')
    expect(await client.call('aria2.getOption', b)).toMatchObject({
      'max-download-limit': '1048576',
      split: '2',
    })
    expect(await client.call('aria2.unpause', a)).toBe(a)
    expect((await client.waitStatus(a, ['complete']))['status']).toBe('complete')
    expect((await client.post('aria2.pause', a)).body.error?.message).toBe(
      `GID#${a} cannot be paused now`,
    )
    expect((await client.post('aria2.unpause', a)).body.error?.message).toBe(
      `GID#${a} cannot be unpaused now`,
    )
    expect(await client.call('aria2.unpauseAll')).toBe('OK')
    await client.waitStatus(b, ['complete'])
    await client.waitStatus(c, ['complete'])
    // Stopped results are oldest first.
    expect((await client.call<{ gid: string }[]>('aria2.tellStopped', 0, 10, ['gid']))[0]).toEqual({
      gid: a,
    })
    expect(await client.call('aria2.removeDownloadResult', a)).toBe('OK')
    expect((await client.post('aria2.removeDownloadResult', a)).body.error?.message).toBe(
      `GID ${a} is not found`,
    )
    expect((await client.post('aria2.remove', b)).body.error?.message).toBe(
      `Active Download not found for GID#${b}`,
    )
  })

  it('changes and reads global options through Downpour’s settings', async () => {
    expect(
      await client.call('aria2.changeGlobalOption', {
        'max-concurrent-downloads': '2',
        'max-overall-download-limit': '512K',
        'retry-wait': '3',
        'all-proxy': '',
        'rpc-secret': 'not changeable',
      }),
    ).toBe('OK')
    const settings = (await engine.snapshot()).settings
    expect(settings).toMatchObject({
      maxConcurrentDownloads: 2,
      maxOverallDownloadLimit: 512 * 1024,
      retryWaitMs: 3000,
      proxy: null,
    })
    const global = await client.call<Record<string, string>>('aria2.getGlobalOption')
    expect(global).toMatchObject({
      'max-concurrent-downloads': '2',
      'max-overall-download-limit': '524288',
      'retry-wait': '3',
      dir: dirs.downloads,
    })
    expect(global).not.toHaveProperty('rpc-secret')
    const bad = await client.post('aria2.changeGlobalOption', { 'max-concurrent-downloads': '0' })
    expect(bad.body.error?.message).toBe(
      "We encountered a problem while processing the option '--max-concurrent-downloads'.",
    )
    // Facts of how Downpour works are shown (AriaNg's settings page had them blank), and a
    // change to one is refused with the reason, not answered OK.
    expect(global).toMatchObject({ 'file-allocation': 'none', 'piece-length': '1048576' })
    const fixed = await client.post('aria2.changeGlobalOption', { 'file-allocation': 'falloc' })
    expect(fixed.body.error?.message).toBe(
      'Downpour cannot change --file-allocation: it is always none here.',
    )
    expect(await client.call('aria2.changeGlobalOption', { 'file-allocation': 'none' })).toBe('OK')
    // The global header list, as aria2 writes it (one line each).
    expect(await client.call('aria2.changeGlobalOption', { header: 'X-A: 1\nX-B: 2' })).toBe('OK')
    expect((await engine.snapshot()).settings.headers).toEqual({ 'X-A': '1', 'X-B': '2' })
    expect((await client.call<Record<string, string>>('aria2.getGlobalOption'))['header']).toBe(
      'X-A: 1\nX-B: 2\n',
    )
  })

  it('answers version, session, saveSession, listMethods and shutdown', async () => {
    const version = await client.call<{ version: string; enabledFeatures: string[] }>(
      'aria2.getVersion',
    )
    expect(version.version).toMatch(/^\d+\.\d+\.\d+$/)
    expect((await client.call<{ sessionId: string }>('aria2.getSessionInfo')).sessionId).toMatch(
      /^[0-9a-f]{40}$/,
    )
    expect(await client.call('aria2.saveSession')).toBe('OK')
    const methods = await client.raw({ jsonrpc: '2.0', id: 1, method: 'system.listMethods' })
    expect(methods.body.result).toEqual(
      expect.arrayContaining(['aria2.addUri', 'aria2.tellStopped', 'system.multicall']),
    )
    const notes = await client.raw({ jsonrpc: '2.0', id: 1, method: 'system.listNotifications' })
    expect(notes.body.result).toContain('aria2.onDownloadComplete')
    expect(await client.call('aria2.shutdown')).toBe('OK')
    expect(await client.call('aria2.forceShutdown')).toBe('OK')
    expect(shutdowns).toEqual([false, true])
    expect((await client.post('aria2.addTorrent', 'AAAA')).body.error?.message).toMatch(
      /BitTorrent is not supported/,
    )
  })
})

describe('aria2 RPC protocol rules', () => {
  it('refuses a wrong or missing secret with code 1 Unauthorized after about a second; 400', async () => {
    const started = Date.now()
    const wrong = await new Aria2TestClient(rpc.url, 'guess').post('aria2.getGlobalStat')
    expect(Date.now() - started).toBeGreaterThanOrEqual(900)
    expect(wrong.status).toBe(400)
    expect(wrong.body).toEqual({
      id: 'q1',
      jsonrpc: '2.0',
      error: { code: 1, message: 'Unauthorized' },
    })
    const missing = await client.raw({
      jsonrpc: '2.0',
      id: 7,
      method: 'aria2.tellActive',
      params: [],
    })
    expect(missing.body.error?.message).toBe('Unauthorized')
    // The method is only looked up for a caller who knows the secret.
    expect(
      (await client.raw({ jsonrpc: '2.0', id: 7, method: 'aria2.nope' })).body.error?.message,
    ).toBe('Unauthorized')
    expect((await client.post('aria2.nope')).body.error?.message).toBe('No such method: aria2.nope')
  })

  it('gives aria2’s codes and HTTP statuses: -32700 500, -32600 400, -32602 500, batches 200, other paths 404', async () => {
    const parse = await client.raw('{"jsonrpc":')
    expect(parse.status).toBe(500)
    expect(parse.body).toEqual({
      id: null,
      jsonrpc: '2.0',
      error: { code: -32700, message: 'Parse error.' },
    })
    const noId = await client.raw({ jsonrpc: '2.0', method: 'aria2.getVersion' })
    expect([noId.status, noId.body.error]).toEqual([
      400,
      { code: -32600, message: 'Invalid Request.' },
    ])
    const badParams = await client.raw({
      jsonrpc: '2.0',
      id: 1,
      method: 'aria2.getVersion',
      params: {},
    })
    expect([badParams.status, badParams.body.error]).toEqual([
      500,
      { code: -32602, message: 'Invalid params.' },
    ])
    const batch = await client.raw([
      { jsonrpc: '2.0', id: 1, method: 'aria2.getVersion', params: [`token:${SECRET}`] },
      { jsonrpc: '2.0', id: 2, method: 'aria2.tellStatus', params: [`token:${SECRET}`, 'zz'] },
      5,
    ])
    expect(batch.status).toBe(200)
    expect(batch.body).toMatchObject([
      { id: 1, result: { version: expect.any(String) } },
      { id: 2, error: { code: 1, message: 'Invalid GID zz' } },
    ])
    expect(batch.headers.get('content-type')).toBe('application/json-rpc')
    expect(batch.headers.get('access-control-allow-origin')).toBe('*')
    const other = await fetch(rpc.url.replace('/jsonrpc', '/other'), { method: 'POST', body: '{}' })
    expect(other.status).toBe(404)
    // aria2's XML-RPC path: 400 to a JSON body, as aria2c answers (Downpour has no XML-RPC).
    const xml = await fetch(rpc.url.replace('/jsonrpc', '/rpc'), { method: 'POST', body: '{}' })
    expect(xml.status).toBe(400)
  })

  it('runs system.multicall in order, each call with its own secret; nested multicall refused; 200', async () => {
    server.file('/m.bin', makeBody(1000, 9))
    const answer = await client.raw({
      jsonrpc: '2.0',
      id: 'm',
      method: 'system.multicall',
      params: [
        [
          {
            methodName: 'aria2.addUri',
            params: [`token:${SECRET}`, [server.url('/m.bin')], { pause: 'true' }],
          },
          { methodName: 'aria2.tellWaiting', params: [`token:${SECRET}`, 0, 5, ['status']] },
          { methodName: 'aria2.tellStatus', params: [`token:${SECRET}`, 'ffffffffffffffff'] },
          { methodName: 'aria2.getVersion', params: ['token:wrong'] },
          { methodName: 'system.multicall', params: [[]] },
        ],
      ],
    })
    expect(answer.status).toBe(200)
    const result = answer.body.result as unknown[]
    expect(result[0]).toEqual([expect.stringMatching(/^[0-9a-f]{16}$/)])
    expect(result[1]).toEqual([[{ status: 'paused' }]])
    expect(result.slice(2)).toEqual([
      { code: 1, message: 'GID ffffffffffffffff is not found' },
      { code: 1, message: 'Unauthorized' },
      { code: 1, message: 'Recursive system.multicall forbidden.' },
    ])
  })

  it('answers CORS preflights on any path, unauthenticated, as aria2 --rpc-allow-origin-all', async () => {
    const res = await fetch(rpc.url, {
      method: 'OPTIONS',
      headers: {
        Origin: 'https://ariang.example',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'content-type',
      },
    })
    expect(res.status).toBe(200)
    expect(
      Object.fromEntries([...res.headers].filter(([k]) => k.startsWith('access-control'))),
    ).toEqual({
      'access-control-allow-origin': '*',
      'access-control-allow-methods': 'POST, GET, OPTIONS',
      'access-control-max-age': '1728000',
      'access-control-allow-headers': 'content-type',
    })
  })

  it('takes GET with base64 params, as a JSON answer or JSONP', async () => {
    const params = Buffer.from(JSON.stringify([`token:${SECRET}`])).toString('base64')
    const get = await fetch(
      `${rpc.url}?method=aria2.getGlobalStat&id=g1&params=${encodeURIComponent(params)}`,
    )
    expect(get.status).toBe(200)
    expect(await get.json()).toMatchObject({ id: 'g1', jsonrpc: '2.0', result: { numActive: '0' } })
    const jsonp = await fetch(
      `${rpc.url}?method=aria2.getVersion&id=2&params=${encodeURIComponent(params)}&jsoncallback=cb.x`,
    )
    expect(jsonp.headers.get('content-type')).toBe('text/javascript')
    const text = await jsonp.text()
    expect(text).toMatch(/^cb\.x\(\{"id":"2","jsonrpc":"2.0","result":\{"version":/)
    const batch = Buffer.from(
      JSON.stringify([{ jsonrpc: '2.0', id: 1, method: 'system.listNotifications' }]),
    ).toString('base64')
    expect(
      await (await fetch(`${rpc.url}?params=${encodeURIComponent(batch)}`)).json(),
    ).toMatchObject([{ id: 1, result: expect.arrayContaining(['aria2.onDownloadStart']) }])
    const evil = await fetch(`${rpc.url}?method=aria2.getVersion&id=1&jsoncallback=alert(1)//`)
    expect(evil.status).toBe(400)
    expect(await evil.text()).not.toContain('alert')
  })

  it('refuses a Host that is neither an IP, localhost nor an allowed name (DNS rebinding), for HTTP and WebSocket', async () => {
    const { request } = await import('node:http')
    const status = (path: string, headers: Record<string, string>) =>
      new Promise<number>((resolve, reject) => {
        const req = request(
          rpc.url.replace('/jsonrpc', path),
          { method: 'GET', headers },
          (res) => {
            res.resume()
            resolve(res.statusCode!)
          },
        )
        req.on('error', reject)
        req.end()
      })
    expect(await status('/jsonrpc', { Host: 'evil.example:6800' })).toBe(403)
    expect(
      await status('/jsonrpc?method=system.listMethods&id=1', { Host: `localhost:${rpc.port}` }),
    ).toBe(200)
    await expect(
      new Promise((resolve, reject) => {
        const req = request(rpc.url, {
          headers: {
            Host: 'evil.example',
            Connection: 'Upgrade',
            Upgrade: 'websocket',
            'Sec-WebSocket-Version': '13',
            'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
          },
        })
        req.on('response', (res) => resolve(res.statusCode))
        req.on('upgrade', () => reject(new Error('upgraded')))
        req.on('error', reject)
        req.end()
      }),
    ).resolves.toBe(403)
  })
})

describe('aria2 RPC over WebSocket', () => {
  it('answers calls and batches, and notifies every client of start, pause, stop, complete and error', async () => {
    const ws = await Aria2TestSocket.open(rpc.url)
    const other = await Aria2TestSocket.open(rpc.url)
    try {
      server.file('/ok.bin', makeBody(200_000, 10))
      server.file('/slow.bin', makeBody(4_000_000, 11), { rateLimit: 100_000 })
      const token = `token:${SECRET}`
      // Notifications reach sockets that have made a call with the secret.
      await other.request({ method: 'aria2.getVersion', params: [token] })
      const add = await ws.request({
        method: 'aria2.addUri',
        params: [token, [server.url('/ok.bin')]],
      })
      const ok = add.result as string
      await ws.waitFor('aria2.onDownloadStart', ok)
      await ws.waitFor('aria2.onDownloadComplete', ok)
      await other.waitFor('aria2.onDownloadComplete', ok)

      const missing = (
        await ws.request({ method: 'aria2.addUri', params: [token, [server.url('/missing')]] })
      ).result as string
      await ws.waitFor('aria2.onDownloadError', missing)
      const failed = (await ws.request({ method: 'aria2.tellStatus', params: [token, missing] }))
        .result
      expect(failed).toMatchObject({
        status: 'error',
        errorCode: '3',
        errorMessage: expect.stringContaining('404'),
      })

      const slow = (
        await ws.request({ method: 'aria2.addUri', params: [token, [server.url('/slow.bin')]] })
      ).result as string
      await ws.waitFor('aria2.onDownloadStart', slow)
      expect((await ws.request({ method: 'aria2.forcePause', params: [token, slow] })).result).toBe(
        slow,
      )
      await ws.waitFor('aria2.onDownloadPause', slow)
      expect((await ws.request({ method: 'aria2.unpause', params: [token, slow] })).result).toBe(
        slow,
      )
      await ws.waitFor('aria2.onDownloadStart', slow)
      const active = (
        await ws.request({ method: 'aria2.tellActive', params: [token, ['gid', 'status']] })
      ).result
      expect(active).toEqual([{ gid: slow, status: 'active' }])
      expect(
        (await ws.request({ method: 'aria2.getServers', params: [token, slow] })).result,
      ).toEqual([
        {
          index: '1',
          servers: [
            {
              uri: server.url('/slow.bin'),
              currentUri: server.url('/slow.bin'),
              downloadSpeed: expect.any(String),
            },
          ],
        },
      ])
      expect(
        (await ws.request({ method: 'aria2.forceRemove', params: [token, slow] })).result,
      ).toBe(slow)
      await other.waitFor('aria2.onDownloadStop', slow)
      const removed = (
        await ws.request({
          method: 'aria2.tellStatus',
          params: [token, slow, ['status', 'errorCode']],
        })
      ).result
      expect(removed).toEqual({ status: 'removed', errorCode: '31' })
      const stat = (await ws.request({ method: 'aria2.getGlobalStat', params: [token] })).result
      expect(stat).toMatchObject({ numActive: '0', numStopped: '3', numStoppedTotal: '3' })

      // Removing a waiting download just drops it: no notification, no result.
      const waiting = (
        await ws.request({
          method: 'aria2.addUri',
          params: [token, [server.url('/w.bin')], { pause: 'true' }],
        })
      ).result as string
      await ws.request({ method: 'aria2.remove', params: [token, waiting] })
      const tell = (await ws.request({ method: 'aria2.tellStatus', params: [token, waiting] }))
        .error
      expect(tell?.message).toBe(`GID ${waiting} is not found`)
      expect(ws.notifications.filter((n) => n.gid === waiting)).toEqual([])

      ws.send('{nope')
      expect(await ws.nextUnmatched()).toEqual({
        id: null,
        jsonrpc: '2.0',
        error: { code: -32700, message: 'Parse error.' },
      })
    } finally {
      ws.close()
      other.close()
    }
  })
})
