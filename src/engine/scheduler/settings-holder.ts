import type { Dispatcher } from 'undici'
import * as v from 'valibot'
import { DownpourError, ERROR_CODES } from '../../shared/protocol/errors.ts'
import type { Settings } from '../../shared/protocol/model.ts'
import {
  describeIssues,
  settingsPatchInputSchema,
  settingsPatchSchema,
} from '../../shared/protocol/schemas.ts'
import type { SettingsPatchInput } from '../../shared/protocol/setting-units.ts'
import type { SharedStats } from '../stats/shared-stats.ts'
import {
  createDispatcher,
  type DispatcherOptions,
  type TlsOptions,
} from '../transfer/http-dispatcher.ts'
import type { TransferPool } from '../transfer/transfer-pool.ts'

/**
 * The engine's settings and what is made from them: the HTTP dispatcher (this thread's and the
 * transfer workers') and the overall speed limit in the shared statistics. A change replaces
 * the dispatcher only when what it is made from changed.
 */
export class SettingsHolder {
  #settings: Settings
  /** Settings the host set explicitly this time: they win over the persisted ones. */
  #overrides: Partial<Settings>
  #tls: TlsOptions | null
  #dispatcher: Dispatcher
  #stats: SharedStats
  #pool: () => TransferPool

  /** `pool`: the transfer workers, made after this (from `dispatcherOptions`). */
  constructor(options: {
    settings: Settings
    overrides: Partial<Settings>
    tls: TlsOptions | null
    stats: SharedStats
    pool: () => TransferPool
  }) {
    this.#settings = options.settings
    this.#tls = options.tls
    this.#overrides = { defaultDir: options.settings.defaultDir, ...options.overrides }
    this.#dispatcher = createDispatcher(this.dispatcherOptions())
    this.#stats = options.stats
    this.#pool = options.pool
    this.#stats.setRate(-1, this.#settings.maxOverallDownloadLimit)
  }

  get current(): Settings {
    return this.#settings
  }

  get dispatcher(): Dispatcher {
    return this.#dispatcher
  }

  /** What every dispatcher (this thread's and the workers') is made from. */
  dispatcherOptions(): DispatcherOptions {
    return { timeoutMs: this.#settings.timeoutMs, proxy: this.#settings.proxy, tls: this.#tls }
  }

  /** The queue file's settings come back, but what the host asked for now wins (CLI flags). */
  restore(saved: unknown): void {
    const patch = v.safeParse(settingsPatchSchema, saved)
    if (!patch.success) return
    this.#settings = { ...this.#settings, ...patch.output, ...this.#overrides }
    void this.#dispatcher.close().catch(() => {})
    this.#dispatcher = createDispatcher(this.dispatcherOptions())
    this.#pool().updateDispatcher(this.dispatcherOptions())
    this.#stats.setRate(-1, this.#settings.maxOverallDownloadLimit)
  }

  /** A patch from a client, checked (bad input is a DP_ERR_INVALID_ARGUMENT); the old settings. */
  apply(patch: SettingsPatchInput): Settings {
    const parsed = v.safeParse(settingsPatchInputSchema, patch)
    if (!parsed.success)
      throw new DownpourError(ERROR_CODES.invalidArgument, describeIssues(parsed.issues))
    const before = this.#settings
    this.#settings = { ...before, ...parsed.output }
    if (before.timeoutMs !== this.#settings.timeoutMs || before.proxy !== this.#settings.proxy) {
      // Every new request asks for the current dispatcher (TransferContext.dispatcher), so only
      // exchanges already running use the old one, and close() lets them finish first.
      const old = this.#dispatcher
      this.#dispatcher = createDispatcher(this.dispatcherOptions())
      void old.close().catch(() => {})
      this.#pool().updateDispatcher(this.dispatcherOptions())
    }
    this.#stats.setRate(-1, this.#settings.maxOverallDownloadLimit)
    return before
  }
}
