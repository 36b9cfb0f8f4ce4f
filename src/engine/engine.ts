import { cpus } from 'node:os'
import type { EngineApi } from '../shared/protocol/api.ts'
import type { EngineEvents } from '../shared/protocol/events.ts'
import type { Settings } from '../shared/protocol/model.ts'
import { Scheduler } from './scheduler/scheduler.ts'

export const DEFAULT_HEARTBEAT_MS = 250

/** Settings a fresh engine starts with; every one can be changed at run time. */
export function defaultSettings(overrides: Partial<Settings> = {}): Settings {
  return {
    defaultDir: process.cwd(),
    maxConcurrentDownloads: 5,
    maxConnectionsPerHost: 32,
    maxConnectionsPerDownload: 32,
    minSplitSize: 1024 * 1024,
    maxTries: 5,
    retryWaitMs: 1000,
    timeoutMs: 30_000,
    lowestSpeedLimit: 0,
    maxOverallDownloadLimit: 0,
    userAgent: 'Downpour/0.1',
    proxy: null,
    headers: {},
    aria2RpcEnabled: true,
    aria2RpcSecret: '',
    ...overrides,
  }
}

export type EngineOptions = {
  /** Where the queue is persisted; null keeps nothing (each run starts empty). */
  stateDir: string | null
  settings?: Partial<Settings>
  heartbeatMs?: number
  /** Worker threads for extra connections; default: number of cores, at most 8. */
  transferThreads?: number
}

/** The engine as every host sees it: the protocol's commands plus its events. */
export type Engine = EngineApi & {
  on<K extends keyof EngineEvents>(
    event: K,
    listener: (payload: EngineEvents[K]) => void,
  ): () => void
  /** Pauses nothing: stops transfers (their data durable), saves the queue, frees sockets. */
  close(): Promise<void>
}

/**
 * Starts an engine: loads the persisted queue (a corrupt one is set aside and reported via a
 * `log/entry`), then resumes every unfinished download from its last durable byte.
 */
export async function createEngine(options: EngineOptions): Promise<Engine> {
  const scheduler = new Scheduler({
    stateDir: options.stateDir,
    settings: defaultSettings(options.settings),
    overrides: options.settings ?? {},
    heartbeatMs: options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS,
    transferThreads: options.transferThreads ?? Math.min(8, cpus().length),
  })
  const early: EngineEvents['log/entry'][] = []
  const stopEarly = scheduler.events.on('log/entry', (entry) => early.push(entry))
  await scheduler.open(options.stateDir)
  stopEarly()
  const engine: Engine = {
    add: (requests) => scheduler.add(requests),
    pause: (selection) => scheduler.pause(selection),
    resume: (selection) => scheduler.resume(selection),
    retry: (selection) => scheduler.retry(selection),
    remove: (selection, opts) => scheduler.remove(selection, opts),
    move: (id, position) => scheduler.move(id, position),
    configure: (id, options) => scheduler.configure(id, options),
    snapshot: () => scheduler.snapshot(),
    updateSettings: (patch) => scheduler.updateSettings(patch),
    on: (event, listener) => {
      const off = scheduler.events.on(event, listener)
      // Problems found while loading happened before anyone could listen: replay them.
      if (event === 'log/entry')
        for (const entry of early) (listener as (e: typeof entry) => void)(entry)
      return off
    },
    close: () => scheduler.close(),
  }
  return engine
}
