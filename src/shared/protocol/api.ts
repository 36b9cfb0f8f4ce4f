import type {
  AddRequest,
  DownloadError,
  DownloadOptions,
  DownloadSnapshot,
  Settings,
} from './model.ts'

/** Which downloads a command applies to: a list of ids, or every download. */
export type Selection = { ids: string[] } | { all: true }

export type AddResult = {
  added: DownloadSnapshot[]
  /** Requests that were refused, with the index of the request and why. */
  rejected: { index: number; url: string; error: DownloadError; existingId?: string }[]
}

/**
 * The engine's commands. Every client (CLI, Electron utility host, headless server, UI) talks
 * to the engine through exactly this surface; the RPC layer derives its wire format from it.
 * All methods resolve with plain data or reject with a `DownpourError` (`{ code, message }`).
 */
export type EngineApi = {
  add(requests: AddRequest[]): Promise<AddResult>
  pause(selection: Selection): Promise<{ affected: string[] }>
  resume(selection: Selection): Promise<{ affected: string[] }>
  /** Retry failed downloads from where they stopped (the partial data is kept). */
  retry(selection: Selection): Promise<{ affected: string[] }>
  /** Remove from the queue. With `deleteFiles`, also delete partial data (never completed files). */
  remove(selection: Selection, options?: { deleteFiles?: boolean }): Promise<{ affected: string[] }>
  /** Move a download to a queue position (0 = first). */
  move(id: string, position: number): Promise<{ order: string[] }>
  /** Changes one download's own options; a running download applies them at once. */
  configure(id: string, options: DownloadOptions): Promise<DownloadSnapshot>
  snapshot(): Promise<{ revision: number; downloads: DownloadSnapshot[]; settings: Settings }>
  updateSettings(patch: Partial<Settings>): Promise<Settings>
}

export type EngineMethod = keyof EngineApi
