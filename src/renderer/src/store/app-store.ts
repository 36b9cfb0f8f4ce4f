import { useStore, type StoreApi, type UseBoundStore } from 'zustand'
import { createStore } from 'zustand/vanilla'
import { createConnectionSlice } from './connection-slice.ts'
import type { ConnectionSlice } from './connection-slice.ts'
import { createDownloadsSlice } from './downloads-slice.ts'
import type { DownloadsSlice } from './downloads-slice.ts'
import { createUiSlice } from './ui-slice.ts'
import type { UiSlice } from './ui-slice.ts'
import { createViewSlice } from './download-view.ts'
import type { ViewSlice } from './download-view.ts'
import { speedRecord } from './speed-record.ts'
import { PublishGate } from './publish-gate.ts'

/** The whole renderer state: one store, one slice per concern. */
export type AppState = DownloadsSlice & ConnectionSlice & UiSlice & ViewSlice

/**
 * Actions live outside the store (download-actions.ts, ui-actions.ts, engine-sink.ts), so the
 * store holds data only and the protocol client can update it without React.
 */
const store = createStore<AppState>()((...args) => ({
  ...createDownloadsSlice(...args),
  ...createConnectionSlice(...args),
  ...createUiSlice(...args),
  ...createViewSlice(...args),
}))

/**
 * What the engine's messages change is published at most every 100 ms (see PublishGate): a
 * backlog drained in many short slices renders the list a few times, not once per slice.
 */
export const publishGate = new PublishGate<AppState>()
const gated = publishGate.wrap(store)

export const useAppStore: UseBoundStore<StoreApi<AppState>> = Object.assign(
  <U>(selector: (state: AppState) => U): U => useStore(gated, selector),
  gated,
) as UseBoundStore<StoreApi<AppState>>

/** Back to a fresh window (tests; a new engine after the shell gave up). */
export function resetAppStore(): void {
  useAppStore.setState(useAppStore.getInitialState(), true)
  speedRecord.reset()
}
