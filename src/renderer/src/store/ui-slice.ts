import type { StateCreator } from 'zustand'
import type { ParsedList } from '../../../shared/list/parsed-list.ts'
import type { FilterKind } from './download-view.ts'
import { QUEUE_ORDER } from './view-sort.ts'
import type { SortSpec } from './view-sort.ts'

/** What the add dialog was opened with: typed by hand, dropped, pasted or from a second launch. */
export type AddDraft = {
  /** A list as the person would type it (dropped text and text files arrive here). */
  readonly text: string
  /**
   * Links read on the way in (dropped pages and HTML files), kept as the parser answered and
   * numbered one a line before the text's lines (`numberLinks`): never turned back into text
   * and read again.
   */
  readonly dropped: ParsedList
  /** Problems met while reading the dropped files (too large, unreadable). */
  readonly notes: readonly string[]
}

/** UI state that no other part of the app owns. */
export type UiState = {
  /** True while something droppable (files, links, text) is dragged over the window. */
  readonly dragOver: boolean
  readonly filter: FilterKind
  readonly search: string
  /** The list's sort, followed from the engine's UI preferences (queue order by default). */
  readonly sort: SortSpec
  readonly selected: ReadonlySet<string>
  /** Where a Shift-click range starts. */
  readonly anchorId: string | null
  /** The row with the grid's one tab stop. */
  readonly focusedId: string | null
  /** The add dialog, open with its draft; null when closed. */
  readonly addDraft: AddDraft | null
  /** Ids the remove confirmation asks about; null when closed. */
  readonly confirmRemove: readonly string[] | null
  /** The polite live region's current sentence. */
  readonly announcement: string
  /** The context menu: for which row, where (client coordinates); null when closed. */
  readonly menu: { readonly id: string; readonly x: number; readonly y: number } | null
  /** The last command the engine refused, shown until dismissed or replaced. */
  readonly error: string | null
  /**
   * A long add the dialog handed to the list (see addInBackground): how many were asked for,
   * and how many downloads the queue held when it began (what is more now came since).
   */
  readonly adding: { readonly total: number; readonly before: number } | null
}

export type UiSlice = { readonly ui: UiState }

export const initialUi: UiState = {
  dragOver: false,
  filter: 'all',
  search: '',
  sort: QUEUE_ORDER,
  selected: new Set(),
  anchorId: null,
  focusedId: null,
  addDraft: null,
  confirmRemove: null,
  announcement: '',
  menu: null,
  error: null,
  adding: null,
}

export const createUiSlice: StateCreator<UiSlice, [], [], UiSlice> = () => ({ ui: initialUi })
