import type { StateCreator } from 'zustand'
import type { DownloadSnapshot, Settings } from '../../../shared/protocol/model.ts'

/**
 * The engine's downloads as the window knows them: normalized (`byId` + `order`) so a beat that
 * touches one download replaces that one object and nothing else. `order` changes only when a
 * download is added, removed or moved.
 */
export type DownloadsState = {
  /**
   * An index: its entries are immutable and replaced when a download changes, but the record
   * itself is updated in place except when downloads are added or removed (copying 10,000 keys
   * on every beat cost ~30 ms). Select entries (`byId[id]`), never the record as a whole.
   */
  readonly byId: Readonly<Record<string, DownloadSnapshot>>
  readonly order: readonly string[]
  /** The engine revision this state reflects; a later event that skips one means a resnapshot. */
  readonly revision: number
  /** True once the first snapshot arrived (before it, the list shows "Connecting…"). */
  readonly loaded: boolean
  readonly settings: Settings | null
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
