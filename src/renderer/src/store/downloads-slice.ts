import type { StateCreator } from 'zustand'
import type { MirrorState } from '../../../shared/protocol/mirror-state.ts'

/**
 * The engine's downloads as the window knows them: the engine mirror's state (one definition,
 * shared/protocol/mirror-state.ts: `byId` + `order`, the revision, the settings) and the total
 * speed of the last beat.
 */
export type DownloadsState = MirrorState & {
  /** Total bytes/s from the last beat. */
  readonly speed: number
}

export type DownloadsSlice = { readonly downloads: DownloadsState }

export const initialDownloads: DownloadsState = {
  byId: {},
  order: [],
  revision: 0,
  loaded: false,
  settings: null,
  speed: 0,
}

export const createDownloadsSlice: StateCreator<DownloadsSlice, [], [], DownloadsSlice> = () => ({
  downloads: initialDownloads,
})
