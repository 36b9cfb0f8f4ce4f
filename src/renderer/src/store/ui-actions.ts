import { useAppStore } from './app-store.ts'

/** Shows or hides the drop highlight; a no-op when nothing changes, so nothing re-renders. */
export function setDragOver(dragOver: boolean): void {
  useAppStore.setState((state) =>
    state.ui.dragOver === dragOver ? state : { ui: { ...state.ui, dragOver } },
  )
}
