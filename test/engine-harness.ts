import { createHash } from 'node:crypto'
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createEngine, type Engine, type EngineOptions } from '../src/engine/engine.ts'
import type { DownloadSnapshot, DownloadState } from '../src/shared/protocol/model.ts'
import type { EngineEvents } from '../src/shared/protocol/events.ts'

/** A fresh download folder and state folder per test; removed by `cleanup`. */
export async function makeDirs(): Promise<{
  root: string
  downloads: string
  state: string
  cleanup(): Promise<void>
}> {
  const root = await mkdtemp(join(tmpdir(), 'downpour-test-'))
  return {
    root,
    downloads: join(root, 'downloads'),
    state: join(root, 'state'),
    cleanup: () => rm(root, { recursive: true, force: true }),
  }
}

export type TestEngine = Engine & {
  logs: EngineEvents['log/entry'][]
  changes: EngineEvents['download/changed'][]
  /** Resolves with the snapshot once download `id` is in one of `states`. */
  waitFor(id: string, states: DownloadState[], timeoutMs?: number): Promise<DownloadSnapshot>
}

/** An engine with fast retries and short timeouts, recording its logs and state changes. */
export async function startEngine(
  options: Partial<EngineOptions> & { downloads: string; state: string | null },
): Promise<TestEngine> {
  const engine = await createEngine({
    stateDir: options.state,
    heartbeatMs: options.heartbeatMs ?? 50,
    settings: {
      defaultDir: options.downloads,
      retryWaitMs: 50,
      timeoutMs: 2000,
      ...options.settings,
    },
  })
  const logs: EngineEvents['log/entry'][] = []
  const changes: EngineEvents['download/changed'][] = []
  engine.on('log/entry', (e) => logs.push(e))
  engine.on('download/changed', (e) => changes.push(e))
  const waitFor = (id: string, states: DownloadState[], timeoutMs = 20_000) =>
    new Promise<DownloadSnapshot>((resolve, reject) => {
      const timer = setTimeout(async () => {
        off()
        const snap = (await engine.snapshot()).downloads.find((d) => d.id === id)
        reject(
          new Error(
            `download ${id} did not reach ${states.join('/')} (now ${snap?.state}: ${snap?.error?.message ?? ''})`,
          ),
        )
      }, timeoutMs)
      const off = engine.on('download/changed', (e) => {
        if (e.download.id === id && states.includes(e.download.state)) {
          clearTimeout(timer)
          off()
          resolve(e.download)
        }
      })
      void engine.snapshot().then((s) => {
        const d = s.downloads.find((x) => x.id === id)
        if (d && states.includes(d.state)) {
          clearTimeout(timer)
          off()
          resolve(d)
        }
      })
    })
  return Object.assign(engine, { logs, changes, waitFor })
}

/** Adds one URL and returns its id (fails the test if it was rejected). */
export async function addOne(
  engine: Engine,
  request: Parameters<Engine['add']>[0][number],
): Promise<string> {
  const result = await engine.add([request])
  const added = result.added[0]
  if (!added) throw new Error(`rejected: ${JSON.stringify(result.rejected)}`)
  return added.id
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex')
}

export async function sha256File(path: string): Promise<string> {
  return sha256(await readFile(path))
}

export async function listDir(dir: string): Promise<string[]> {
  return (await readdir(dir)).sort()
}
