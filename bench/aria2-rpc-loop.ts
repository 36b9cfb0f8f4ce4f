/**
 * AriaNg's refresh loop against `downpour serve` and against `aria2c --enable-rpc`, side by side:
 * 1,000 waiting and 50 active downloads, then `tellActive` (AriaNg's full key list) +
 * `tellWaiting(0, 1000)` + `tellStopped(-1, 1000)` once a second. Each server's CPU time
 * (utime + stime from /proc) is measured over the same window with the loop and without it,
 * so the loop's own cost is the difference. The active downloads are stalled after their
 * headers, so no data path adds noise.
 *
 *   npx node bench/aria2-rpc-loop.ts [--seconds 20] [--waiting 1000] [--active 50]
 */
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { Aria2TestClient } from '../test/aria2-rpc-client.ts'
import { makeBody, startFaultServer } from '../test/fault-server.ts'
import { startServe, writeTestUi } from '../test/run-serve.ts'

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '20' },
    waiting: { type: 'string', default: '1000' },
    active: { type: 'string', default: '50' },
  },
})
const SECONDS = Number(values.seconds)
const WAITING = Number(values.waiting)
const ACTIVE = Number(values.active)
// Clock ticks per second in /proc/PID/stat (CLK_TCK, 100 on Linux).
const TICKS = 100

const ARIANG_KEYS = [
  'gid',
  'totalLength',
  'completedLength',
  'uploadSpeed',
  'downloadSpeed',
  'connections',
  'numSeeders',
  'seeder',
  'status',
  'errorCode',
  'verifiedLength',
  'verifyIntegrityPending',
  'files',
  'bittorrent',
  'infoHash',
]

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return (Number(fields[11]) + Number(fields[12])) / TICKS
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number }
      s.close(() => resolve(port))
    })
    s.on('error', reject)
  })
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function measure(name: string, pid: number, client: Aria2TestClient) {
  // Two servers for the active downloads: Downpour caps connections per host at 32.
  const servers = [await startFaultServer(), await startFaultServer()]
  const slow = makeBody(1024 * 1024, 1)
  // The active downloads send their headers and then nothing: no bytes flow, so the CPU
  // measured is the servers' bookkeeping and the loop's answers, not the data path.
  for (const s of servers)
    s.file('/slow.bin', slow, { fault: () => ({ kind: 'stall', afterBytes: 0 }) })
  // No idle timeout (aria2's longest) within the measurement.
  await client.call('aria2.changeGlobalOption', { timeout: '600' })
  for (let i = 0; i < ACTIVE; i++) {
    const s = servers[i % 2]!
    await client.call('aria2.addUri', [`${s.url('/slow.bin')}?n=${i}`], {
      split: '1',
      out: `slow-${i}.bin`,
    })
  }
  for (let i = 0; i < WAITING; i++)
    await client.call('aria2.addUri', [servers[0]!.url(`/waiting-${i}.bin`)], { out: `w-${i}.bin` })
  const stat = await client.call<Record<string, string>>('aria2.getGlobalStat')
  await sleep(3000)
  const idleFrom = cpuSeconds(pid)
  await sleep(SECONDS * 1000)
  const idle = cpuSeconds(pid) - idleFrom
  const loopFrom = cpuSeconds(pid)
  let listed = 0
  for (let t = 0; t < SECONDS; t++) {
    const started = Date.now()
    const [active, waiting, stopped] = await Promise.all([
      client.call<unknown[]>('aria2.tellActive', ARIANG_KEYS),
      client.call<unknown[]>('aria2.tellWaiting', 0, 1000, ARIANG_KEYS),
      client.call<unknown[]>('aria2.tellStopped', -1, 1000, ARIANG_KEYS),
    ])
    listed = active.length + waiting.length + stopped.length
    await sleep(Math.max(0, 1000 - (Date.now() - started)))
  }
  const loop = cpuSeconds(pid) - loopFrom
  for (const s of servers) await s.close()
  return { name, numActive: stat['numActive'], numWaiting: stat['numWaiting'], listed, idle, loop }
}

const root = await mkdtemp(join(tmpdir(), 'downpour-rpc-bench-'))
const results = []
try {
  const secret = 'bench-secret'
  // aria2c
  const aria2Dir = join(root, 'aria2')
  await mkdir(aria2Dir)
  const port = await freePort()
  const aria2 = spawn(
    'aria2c',
    [
      '--enable-rpc',
      `--rpc-listen-port=${port}`,
      `--rpc-secret=${secret}`,
      '--rpc-listen-all=false',
      '--no-conf=true',
      '--quiet=true',
      `--max-concurrent-downloads=${ACTIVE}`,
      `--dir=${aria2Dir}`,
    ],
    { stdio: 'ignore' },
  )
  const aria2Client = new Aria2TestClient(`http://127.0.0.1:${port}/jsonrpc`, secret)
  for (let i = 0; ; i++) {
    try {
      await aria2Client.call('aria2.getVersion')
      break
    } catch (error) {
      if (i > 100) throw error
      await sleep(100)
    }
  }
  results.push(await measure('aria2c', aria2.pid!, aria2Client))
  aria2.kill()
  // downpour serve
  const serve = await startServe(['--dir', join(root, 'downpour')], {
    state: join(root, 'state'),
    uiDir: await writeTestUi(join(root, 'ui')),
  })
  const client = new Aria2TestClient(`${serve.origin}/jsonrpc`, serve.token)
  await client.call('aria2.changeGlobalOption', { 'max-concurrent-downloads': String(ACTIVE) })
  results.push(await measure('downpour serve', serve.child.pid!, client))
  serve.child.kill('SIGTERM')
  await serve.exited
} finally {
  await rm(root, { recursive: true, force: true })
}

console.log(`AriaNg loop, ${SECONDS} s at 1/s, ${WAITING} waiting + ${ACTIVE} active downloads`)
console.log(
  '| server | active / waiting | rows per refresh | CPU s without loop | CPU s with loop | loop cost (CPU s per s) |',
)
console.log('| --- | --- | --- | --- | --- | --- |')
for (const r of results)
  console.log(
    `| ${r.name} | ${r.numActive} / ${r.numWaiting} | ${r.listed} | ${r.idle.toFixed(2)} | ${r.loop.toFixed(2)} | ${((r.loop - r.idle) / SECONDS).toFixed(3)} |`,
  )
