import { cpus } from 'node:os'
import { join } from 'node:path'
import * as v from 'valibot'
import { DownpourError, ERROR_CODES } from '../shared/protocol/errors.ts'
import {
  describeIssues,
  methodArgsSchemas,
  settingsPatchInputSchema,
} from '../shared/protocol/schemas.ts'
import {
  DEFAULT_UI_PREFERENCES,
  uiPreferencesPatchSchema,
} from '../shared/protocol/ui-preferences.ts'
import { SettingsStore } from './storage/settings-store.ts'
import type { EngineApi, EngineMethod } from '../shared/protocol/api.ts'
import type { EngineEvents } from '../shared/protocol/events.ts'
import type { DownloadSnapshot, IfExists, Settings } from '../shared/protocol/model.ts'
import { DEFAULT_SETTINGS } from '../shared/protocol/default-settings.ts'
import { Scheduler, type SchedulerCommands } from './scheduler/scheduler.ts'
import { acquireStateLock } from './storage/state-lock.ts'
import { OriginMarker } from './storage/origin-marker.ts'
import { mkdir } from 'node:fs/promises'
import { boundHeapGrowthWhenLarge } from './memory-limits.ts'
import { defaultTransferThreads } from './transfer/transfer-pool.ts'
import type { FreeSpace } from './storage/free-space.ts'
import type { TlsOptions } from './transfer/http-dispatcher.ts'

export const DEFAULT_HEARTBEAT_MS = 250

/** Settings a fresh engine starts with; every one can be changed at run time. */
export function defaultSettings(overrides: Partial<Settings> = {}): Settings {
  return { defaultDir: process.cwd(), ...DEFAULT_SETTINGS, headers: {}, ...overrides }
}

export type EngineOptions = {
  /** Where the queue is persisted; null keeps nothing (each run starts empty). */
  stateDir: string | null
  settings?: Partial<Settings>
  heartbeatMs?: number
  /** Worker threads for extra connections; default: number of cores, at most 8. */
  transferThreads?: number
  /**
   * Mark each completed file with its origin (xattrs, quarantine, Zone.Identifier; see
   * storage/origin-marker.ts). Default true.
   */
  originMarks?: boolean
  /**
   * What is free on a download's file system (storage/free-space.ts; default statfs). A test
   * may stand in for the disk's answer, never for HTTP.
   */
  freeSpace?: FreeSpace
  /**
   * Another live engine that may be writing into the same folders (the CLI's runs in other
   * queue slots): its description, or null. When a download's `.part` name is taken by a
   * `.part` of the same URL that is not this engine's, a download whose IfExists looks at
   * existing files waits while this says one is live, then takes that name (see #chooseName).
   */
  othersLive?: () => Promise<string | null>
  /**
   * How servers' certificates are checked: a CA file's PEM trusted besides Node's own, or no
   * check (the CLI's `--ca-certificate`, `--check-certificate=false`). Default: verified
   * against Node's CAs.
   */
  tls?: TlsOptions | null
  /**
   * The rule for an existing file most of this engine's downloads have: its queue files store
   * it once, not in each record (storage/queue-lines.ts, "A queue file's own default"). The
   * CLI gives its run's (every download of a run has the same); default `'rename'`, a new
   * download's. Only what is written: any download may have any rule.
   */
  queueIfExists?: IfExists
}

/** The engine as every host sees it: the protocol's commands plus its events. */
export type Engine = EngineApi & {
  on<K extends keyof EngineEvents>(
    event: K,
    listener: (payload: EngineEvents[K]) => void,
  ): () => void
  /** Pauses nothing: stops transfers (their data durable), saves the queue, frees sockets. */
  close(): Promise<void>
  /**
   * A host in the engine's own process (the CLI): the download as it is now, whole, or null.
   * A `download/changed` may name only what changed (download-patch.ts).
   */
  peek(id: string): DownloadSnapshot | null
}

/**
 * Starts an engine: locks the state folder (one engine per folder: another live engine's lock
 * is refused with DP_ERR_STATE_LOCKED naming the folder and its pid), loads the persisted
 * queue (a corrupt one is set aside and reported via a `log/entry`), then resumes every
 * unfinished download from its last durable byte.
 */
export async function createEngine(options: EngineOptions): Promise<Engine> {
  boundHeapGrowthWhenLarge()
  const given = v.safeParse(settingsPatchInputSchema, options.settings ?? {})
  if (!given.success)
    throw new DownpourError(ERROR_CODES.invalidArgument, describeIssues(given.issues))
  let lock = null
  if (options.stateDir) {
    await mkdir(options.stateDir, { recursive: true, mode: 0o700 })
    lock = await acquireStateLock(options.stateDir)
  }
  const early: EngineEvents['log/entry'][] = []
  // settings.json holds the settings and the window's preferences (queue.json's copy of the
  // settings is only read for state folders from before it); what the host gives now wins.
  const store = options.stateDir
    ? new SettingsStore(join(options.stateDir, 'settings.json'), (error) =>
        scheduler.events.emit('log/entry', {
          at: Date.now(),
          level: 'error',
          id: null,
          message: `cannot save the settings: ${error.message}`,
        }),
      )
    : null
  const saved = await store?.load()
  if (saved?.problem) {
    early.push({
      at: Date.now(),
      level: 'error',
      id: null,
      message: `the settings file was not fully usable (${saved.problem})${saved.movedTo ? `; it was set aside as ${saved.movedTo}` : ''}`,
      error: { code: ERROR_CODES.corruptState, message: saved.problem },
    })
  }
  const chosen = { ...saved?.settings, ...given.output }
  const scheduler = new Scheduler({
    lock,
    ...(options.freeSpace ? { freeSpace: options.freeSpace } : {}),
    stateDir: options.stateDir,
    settings: defaultSettings(chosen),
    overrides: chosen,
    heartbeatMs: options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS,
    transferThreads: options.transferThreads ?? defaultTransferThreads(cpus().length),
    othersLive: options.othersLive ?? null,
    tls: options.tls ?? null,
    ...(options.queueIfExists ? { queueIfExists: options.queueIfExists } : {}),
    originMarker:
      options.originMarks === false
        ? null
        : new OriginMarker({
            platform: process.platform,
            log: (message) =>
              scheduler.events.emit('log/entry', {
                at: Date.now(),
                level: 'info',
                id: null,
                message,
              }),
          }),
  })
  const stopEarly = scheduler.events.on('log/entry', (entry) => early.push(entry))
  try {
    await scheduler.open(options.stateDir)
  } catch (error) {
    await scheduler.close().catch(() => {})
    throw error
  } finally {
    stopEarly()
  }
  let ui = saved?.ui ?? DEFAULT_UI_PREFERENCES
  const persist = (): void => store?.save({ settings: scheduler.settings, ui })
  scheduler.events.on('settings/changed', persist)
  if (saved && !saved.found) persist()
  const engine: Engine = {
    ...schedulerCommands(scheduler),
    uiPreferences: async () => ui,
    updateUiPreferences: async (patch) => {
      const parsed = v.safeParse(uiPreferencesPatchSchema, patch)
      if (!parsed.success)
        throw new DownpourError(ERROR_CODES.invalidArgument, describeIssues(parsed.issues))
      ui = { ...ui, ...parsed.output }
      persist()
      scheduler.events.emit('ui/changed', { preferences: ui })
      return ui
    },
    on: (event, listener) => {
      const off = scheduler.events.on(event, listener)
      // Problems found while loading happened before anyone could listen: replay them.
      if (event === 'log/entry')
        for (const entry of early) (listener as (e: typeof entry) => void)(entry)
      return off
    },
    close: async () => {
      await scheduler.close()
      await store?.flush()
    },
    peek: (id) => scheduler.peek(id),
  }
  return engine
}

/**
 * Every command but the window's preferences is the scheduler's own method, bound to it: the
 * names come from `methodArgsSchemas` (tied to `EngineApi`), the signatures are checked where
 * `Scheduler` implements `SchedulerCommands`.
 */
function schedulerCommands(scheduler: Scheduler): SchedulerCommands {
  const commands: Record<string, unknown> = {}
  for (const method of Object.keys(methodArgsSchemas) as EngineMethod[]) {
    if (method === 'uiPreferences' || method === 'updateUiPreferences') continue
    commands[method] = scheduler[method].bind(scheduler)
  }
  return commands as SchedulerCommands
}
