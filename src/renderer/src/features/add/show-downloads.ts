import { useAppStore } from '../../store/app-store.ts'
import { closeAddDialog, selectRow, setFilter, setSearch } from '../../store/ui-actions.ts'

/**
 * "Show it" from the add dialog: the dialog closes, the downloads are selected (the first
 * focused) and brought into view; a filter or search that hides one is cleared first.
 */
export function showDownloads(ids: readonly string[]): void {
  const present = ids.filter((id) => useAppStore.getState().downloads.byId[id] !== undefined)
  if (present.length === 0) return
  closeAddDialog()
  const visible = new Set(useAppStore.getState().view.visibleIds)
  if (present.some((id) => !visible.has(id))) {
    setSearch('')
    setFilter('all')
  }
  selectRow(present[0]!)
  if (present.length > 1)
    useAppStore.setState((s) => ({ ui: { ...s.ui, selected: new Set(present) } }))
  // The focused row is always drawn (the grid's range keeps it): bring it into view once it is.
  requestAnimationFrame(() =>
    requestAnimationFrame(() => {
      const row = document.querySelector<HTMLElement>(
        `[role="row"][data-id="${CSS.escape(present[0]!)}"]`,
      )
      row?.scrollIntoView({ block: 'center' })
      row?.focus({ preventScroll: true })
    }),
  )
}
