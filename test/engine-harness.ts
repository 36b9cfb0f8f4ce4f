import { createHash } from 'node:crypto'
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, expect } from 'vitest'
import { createEngine, type Engine, type EngineOptions } from '../src/engine/engine.ts'
import { startFaultServer, type FaultServer } from './fault-server.ts'
import type { DownloadSnapshot, DownloadState } from '../src/shared/protocol/model.ts'
import type { DownloadChange, EngineEvents } from '../src/shared/protocol/events.ts'
import { isWhole } from '../src/shared/protocol/download-patch.ts'

/** A test's folders: `downloads` and `state` below a fresh `root` (neither created yet). */
export type TestDirs = {
  root: string
  downloads: string
  state: string
  cleanup(): Promise<void>
}

/** A fresh download folder and state folder per test; removed by `cleanup`. */
export async function makeDirs(): Promise<TestDirs> {
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
  /** Every download change, one entry per download (the engine batches them per event). */
  changes: (DownloadChange & { revision: number })[]
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
    ...(options.originMarks !== undefined ? { originMarks: options.originMarks } : {}),
    ...(options.freeSpace !== undefined ? { freeSpace: options.freeSpace } : {}),
    settings: {
      defaultDir: options.downloads,
      retryWaitMs: 50,
      timeoutMs: 2000,
      ...options.settings,
    },
  })
  const logs: EngineEvents['log/entry'][] = []
  const changes: (DownloadChange & { revision: number })[] = []
  engine.on('log/entry', (e) => logs.push(e))
  engine.on('download/changed', (e) => {
    for (const change of e.changes) changes.push({ ...change, revision: e.revision })
  })
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
        const change = e.changes.find((c) => c.download.id === id)
        if (change && states.includes(change.download.state)) {
          clearTimeout(timer)
          off()
          // A patch names only what changed: the whole download is the engine's to tell.
          const d = change.download
          if (isWhole(d)) resolve(d)
          else void engine.snapshot().then((s) => resolve(s.downloads.find((x) => x.id === id)!))
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

/** Download `id` as the engine's snapshot shows it now (fails the test when it is not there). */
export async function snapshotOf(engine: Engine, id: string): Promise<DownloadSnapshot> {
  const found = (await engine.snapshot()).downloads.find((d) => d.id === id)
  if (!found) throw new Error(`no download ${id}`)
  return found
}

/**
 * Waits until `id` holds at least `bytes` (polling the snapshot, up to ~20 s), then pauses it;
 * returns it paused. Fails the test when it ended before.
 */
export async function pauseAfter(
  engine: Engine,
  id: string,
  bytes: number,
): Promise<DownloadSnapshot> {
  for (let i = 0; i < 800; i++) {
    const d = await snapshotOf(engine, id)
    if (d.state === 'completed' || d.state === 'failed') throw new Error(`already ${d.state}`)
    if (d.done >= bytes) break
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  await engine.pause({ ids: [id] })
  const paused = await snapshotOf(engine, id)
  expect(paused.state).toBe('paused')
  return paused
}

/** Waits for `id` to end (up to 40 s) and requires it completed, without an error. */
export async function completes(engine: TestEngine, id: string): Promise<DownloadSnapshot> {
  const done = await engine.waitFor(id, ['completed', 'failed'], 40_000)
  expect(done.error?.message ?? null).toBeNull()
  expect(done.state).toBe('completed')
  return done
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

/** What the engine of a harness test starts with; its folders are the test's unless given. */
export type HarnessEngineOptions = Partial<Omit<EngineOptions, 'stateDir'>> & {
  downloads?: string
  state?: string | null
}

/** The shared per-test setup of the engine test files (see `useEngineHarness`). */
export type EngineHarness = {
  /** This test's fault server (only with `server: true`, the default). */
  server: FaultServer
  /** This test's fresh folders. */
  dirs: TestDirs
  /** The engine this test opened last (the one from `engine` options, or `open`'s latest). */
  engine: TestEngine
  /**
   * Opens an engine on this test's folders (a restart, a second engine, or the first one in a
   * file that starts none by itself); it becomes `engine` and is closed at teardown.
   */
  open(options?: HarnessEngineOptions): Promise<TestEngine>
  /**
   * Runs `fn` at this test's teardown, after its engines are closed and before the server and
   * folders go: for what a test adds (a proxy, a child server, a mount) that an engine may
   * still be using.
   */
  onTeardown(fn: () => unknown): void
}

/**
 * Registers, for the file (or `describe`) it is called in, the setup every engine test repeats:
 * before each test a fault server and fresh folders, then an engine on them; after each test one
 * teardown in the one safe order: engines closed (their transfers stopped and files flushed),
 * the test's own teardowns, the server closed, the folders removed.
 *
 * `server: false` starts no fault server (files with no HTTP, or their own servers);
 * `engine: false` starts no engine (tests that open theirs with `open`, with per-test settings).
 *
 * The returned `server`, `dirs` and `engine` stand for the current test's, so a file names them
 * once at its top (`const { server, dirs, engine } = useEngineHarness()`) and its tests and helpers
 * read as before: each forwards to the object of the test that is running.
 */
export function useEngineHarness(
  options: { server?: boolean; engine?: HarnessEngineOptions | false } = {},
): EngineHarness {
  let server: FaultServer | undefined
  let dirs: TestDirs | undefined
  let engines: TestEngine[] = []
  let teardowns: (() => unknown)[] = []

  const open = async (given: HarnessEngineOptions = {}): Promise<TestEngine> => {
    const folders = current('dirs', () => dirs)
    const engine = await startEngine({
      ...given,
      downloads: given.downloads ?? folders.downloads,
      state: given.state === undefined ? folders.state : given.state,
    })
    engines.push(engine)
    return engine
  }

  beforeEach(async () => {
    // Each piece is recorded as soon as it exists, so a setup that fails half-way is still undone.
    if (options.server !== false) server = await startFaultServer()
    dirs = await makeDirs()
    if (options.engine !== false) await open(options.engine)
  })

  afterEach(async () => {
    // Engines first and one at a time: an engine still writing would race the folders' removal,
    // and two on one state folder must not close at once.
    const opened = engines
    const own = teardowns
    engines = []
    teardowns = []
    for (const engine of opened) await engine.close()
    for (const fn of own) await fn()
    await server?.close()
    server = undefined
    await dirs?.cleanup()
    dirs = undefined
  })

  return {
    server: live('server', () => server),
    dirs: live('dirs', () => dirs),
    engine: live('engine', () => engines.at(-1)),
    open,
    onTeardown: (fn) => void teardowns.push(fn),
  }
}

/** The object `get` gives now, or an error naming what this test does not have. */
function current<T>(what: string, get: () => T | undefined): T {
  const value = get()
  if (value === undefined)
    throw new Error(`this test has no ${what} (outside a test, or not started by the harness)`)
  return value
}

/**
 * A stand-in for "the current test's `what`": every property read, write or method call goes to
 * the object `get` returns at that moment. Methods are bound to it, so objects with `#private`
 * fields work. This is what lets a file name its server, folders and engine once.
 */
function live<T extends object>(what: string, get: () => T | undefined): T {
  const target = () => current(what, get)
  return new Proxy({} as T, {
    get(_, key) {
      const object = target()
      const value: unknown = Reflect.get(object, key, object)
      return typeof value === 'function' ? value.bind(object) : value
    },
    set: (_, key, value) => Reflect.set(target(), key, value),
    has: (_, key) => Reflect.has(target(), key),
    ownKeys: () => Reflect.ownKeys(target()),
    getOwnPropertyDescriptor: (_, key) => {
      const descriptor = Reflect.getOwnPropertyDescriptor(target(), key)
      return descriptor && { ...descriptor, configurable: true }
    },
  })
}
