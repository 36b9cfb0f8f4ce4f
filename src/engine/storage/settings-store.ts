import { readFile, rename } from 'node:fs/promises'
import * as v from 'valibot'
import type { Settings } from '../../shared/protocol/model.ts'
import { settingsPatchSchema } from '../../shared/protocol/schemas.ts'
import {
  DEFAULT_UI_PREFERENCES,
  uiPreferencesPatchSchema,
  type UiPreferences,
} from '../../shared/protocol/ui-preferences.ts'
import { writeFileAtomic } from './atomic-file.ts'

export type SettingsFile = { settings: Partial<Settings>; ui: UiPreferences }

export type SettingsLoad = SettingsFile & {
  /** The file existed (false: a fresh state folder, or one from before this file). */
  found: boolean
  /** Why (part of) the file was not used; a corrupt file is renamed to `movedTo`. */
  problem: string | null
  movedTo: string | null
}

/**
 * `settings.json` in the state folder: the engine settings and the window's preferences, so
 * every window (desktop or browser) and every restart sees the same. Written atomically; writes
 * are serialized and the latest wins (a slider dragged across sends many). A file that is not
 * JSON is set aside like a corrupt queue; a field that no longer validates falls back to its
 * default, the rest is kept.
 */
export class SettingsStore {
  readonly path: string
  #pending: SettingsFile | null = null
  #writing: Promise<void> | null = null
  #onError: (error: Error) => void

  constructor(path: string, onError: (error: Error) => void) {
    this.path = path
    this.#onError = onError
  }

  async load(): Promise<SettingsLoad> {
    const empty: SettingsLoad = {
      settings: {},
      ui: DEFAULT_UI_PREFERENCES,
      found: false,
      problem: null,
      movedTo: null,
    }
    let text: string
    try {
      text = await readFile(this.path, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return empty
      throw error
    }
    let json: { settings?: unknown; ui?: unknown }
    try {
      json = JSON.parse(text) as typeof json
      if (typeof json !== 'object' || json === null) throw new Error('not an object')
    } catch (error) {
      const movedTo = `${this.path}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`
      await rename(this.path, movedTo)
      return { ...empty, problem: `not valid JSON (${(error as Error).message})`, movedTo }
    }
    const problems: string[] = []
    const settings = v.safeParse(settingsPatchSchema, json.settings ?? {})
    if (!settings.success) problems.push(`settings: ${settings.issues[0].message}`)
    const ui = v.safeParse(uiPreferencesPatchSchema, json.ui ?? {})
    if (!ui.success) problems.push(`ui: ${ui.issues[0].message}`)
    return {
      settings: settings.success ? settings.output : {},
      ui: { ...DEFAULT_UI_PREFERENCES, ...(ui.success ? ui.output : {}) },
      found: true,
      problem: problems.length > 0 ? problems.join('; ') : null,
      movedTo: null,
    }
  }

  /** Saves `data` soon; if a write is under way, the latest data is written after it. */
  save(data: SettingsFile): void {
    this.#pending = data
    this.#writing ??= this.#drain()
  }

  /** Resolves once everything asked for is on disk. */
  async flush(): Promise<void> {
    while (this.#writing) await this.#writing
  }

  async #drain(): Promise<void> {
    try {
      while (this.#pending) {
        const data = this.#pending
        this.#pending = null
        await writeFileAtomic(this.path, JSON.stringify({ version: 1, ...data })).catch(
          (error: unknown) => this.#onError(error as Error),
        )
      }
    } finally {
      this.#writing = null
    }
  }
}
