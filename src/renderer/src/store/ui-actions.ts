import { EMPTY_LIST, joinLists, linkLines } from '../../../shared/list/join-lists.ts'
import { useAppStore } from './app-store.ts'
import type { AppState } from './app-store.ts'
import { refreshView } from './download-actions.ts'
import type { FilterKind } from './download-view.ts'
import type { AddDraft, UiState } from './ui-slice.ts'
import type { SortSpec } from './view-sort.ts'

function setUi(update: (ui: UiState, state: AppState) => Partial<UiState> | null): void {
  useAppStore.setState((state) => {
    const patch = update(state.ui, state)
    if (patch === null) return state
    return { ui: { ...state.ui, ...patch } }
  })
}

/** Shows or hides the drop highlight; a no-op when nothing changes, so nothing re-renders. */
export function setDragOver(dragOver: boolean): void {
  setUi((ui) => (ui.dragOver === dragOver ? null : { dragOver }))
}

export function setFilter(filter: FilterKind): void {
  setUi((ui) => (ui.filter === filter ? null : { filter }))
  refreshView()
}

export function setSearch(search: string): void {
  setUi((ui) => (ui.search === search ? null : { search }))
  refreshView()
}

/**
 * A click on a row: plain selects only it, `toggle` (Ctrl/Cmd) adds or removes it, `range`
 * (Shift) selects from the anchor to it in the visible order.
 */
export function selectRow(id: string, mode: 'only' | 'toggle' | 'range' = 'only'): void {
  setUi((ui, state) => {
    if (mode === 'toggle') {
      const selected = new Set(ui.selected)
      if (selected.has(id)) selected.delete(id)
      else selected.add(id)
      return { selected, anchorId: id, focusedId: id }
    }
    if (mode === 'range' && ui.anchorId !== null) {
      const ids = state.view.visibleIds
      const from = ids.indexOf(ui.anchorId)
      const to = ids.indexOf(id)
      if (from !== -1 && to !== -1) {
        const [lo, hi] = from < to ? [from, to] : [to, from]
        return { selected: new Set(ids.slice(lo, hi + 1)), focusedId: id }
      }
    }
    return { selected: new Set([id]), anchorId: id, focusedId: id }
  })
}

export function selectAll(): void {
  setUi((_ui, state) => ({ selected: new Set(state.view.visibleIds) }))
}

export function clearSelection(): void {
  setUi((ui) => (ui.selected.size === 0 ? null : { selected: new Set() }))
}

/**
 * Moves keyboard focus by `delta` rows (or to the first/last with ±Infinity) in the visible
 * order. With `extend` (Shift+arrow) the selection grows from the anchor; otherwise the focused
 * row becomes the selection, as in a file manager.
 */
export function moveFocus(delta: number, extend = false): string | null {
  let target: string | null = null
  setUi((ui, state) => {
    const ids = state.view.visibleIds
    if (ids.length === 0) return null
    const at = ui.focusedId === null ? -1 : ids.indexOf(ui.focusedId)
    const index =
      delta === -Infinity
        ? 0
        : delta === Infinity
          ? ids.length - 1
          : at === -1
            ? 0
            : Math.max(0, Math.min(ids.length - 1, at + delta))
    target = ids[index]!
    if (extend) {
      const anchor = ui.anchorId ?? ui.focusedId ?? target
      const from = ids.indexOf(anchor)
      const [lo, hi] = from < index ? [from, index] : [index, from]
      return { focusedId: target, anchorId: anchor, selected: new Set(ids.slice(lo, hi + 1)) }
    }
    return { focusedId: target, anchorId: target, selected: new Set([target]) }
  })
  return target
}

export function setFocused(id: string): void {
  setUi((ui) => (ui.focusedId === id ? null : { focusedId: id }))
}

/** The ids an action applies to: the selection if the row is in it, else the row alone. */
export function targetsFor(id: string | null): string[] {
  const { ui } = useAppStore.getState()
  if (id === null) return [...ui.selected]
  return ui.selected.has(id) ? [...ui.selected] : [id]
}

export function openAddDialog(draft: Partial<AddDraft> = {}): void {
  setUi((ui) => {
    const dropped = ui.addDraft?.dropped ?? EMPTY_LIST
    return {
      addDraft: {
        // A second drop while the dialog is open adds to what is already there.
        text: [ui.addDraft?.text, draft.text].filter((x) => x).join('\n'),
        dropped: joinLists(dropped, draft.dropped ?? EMPTY_LIST, linkLines(dropped)),
        notes: [...(ui.addDraft?.notes ?? []), ...(draft.notes ?? [])],
      },
    }
  })
}

/** Takes the dropped links out of the add dialog's draft (its "Remove dropped links"). */
export function clearDroppedLinks(): void {
  setUi((ui) =>
    ui.addDraft === null || linkLines(ui.addDraft.dropped) === 0
      ? null
      : { addDraft: { ...ui.addDraft, dropped: EMPTY_LIST } },
  )
}

export function closeAddDialog(): void {
  setUi((ui) => (ui.addDraft === null ? null : { addDraft: null }))
}

export function askRemove(ids: readonly string[]): void {
  if (ids.length === 0) return
  setUi(() => ({ confirmRemove: ids }))
}

export function closeRemove(): void {
  setUi((ui) => (ui.confirmRemove === null ? null : { confirmRemove: null }))
}

export function showError(error: string | null): void {
  setUi((ui) => (ui.error === error ? null : { error }))
}

export function openMenu(id: string, x: number, y: number): void {
  setUi((ui) => ({
    menu: { id, x, y },
    ...(ui.selected.has(id) ? {} : { selected: new Set([id]), anchorId: id }),
    focusedId: id,
  }))
}

export function closeMenu(): void {
  setUi((ui) => (ui.menu === null ? null : { menu: null }))
}

/** The add dialog's text as the person edits it. */
export function setDraftText(text: string): void {
  setUi((ui) =>
    ui.addDraft === null || ui.addDraft.text === text
      ? null
      : { addDraft: { ...ui.addDraft, text } },
  )
}

/** Sorts the list (from the engine's UI preferences); a no-op when the sort is the same. */
export function setSort(sort: SortSpec): void {
  const current = useAppStore.getState().ui.sort
  if (current.column === sort.column && current.direction === sort.direction) return
  setUi(() => ({ sort }))
  refreshView(true)
}
