import type { StateCreator } from 'zustand'

/** UI state that no other part of the app owns. */
export type UiState = {
  /** True while something droppable (files, links, text) is dragged over the window. */
  readonly dragOver: boolean
}

export type UiSlice = { readonly ui: UiState }

export const createUiSlice: StateCreator<UiSlice, [], [], UiSlice> = () => ({
  ui: { dragOver: false },
})
