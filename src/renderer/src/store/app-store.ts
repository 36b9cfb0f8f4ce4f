import { create } from 'zustand'
import { createUiSlice } from './ui-slice.ts'
import type { UiSlice } from './ui-slice.ts'

/** The whole renderer state: one store, one slice per concern. */
export type AppState = UiSlice

/**
 * Actions live outside the store (see ui-actions.ts), so the store holds data only and the
 * protocol client can update it without React.
 */
export const useAppStore = create<AppState>()((...args) => ({
  ...createUiSlice(...args),
}))
