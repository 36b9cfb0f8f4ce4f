import { create } from 'zustand'
import { useAppStore } from '../../store/app-store.ts'
import { isConnected, send } from '../../store/engine-door.ts'
import { setSort, targetsFor } from '../../store/ui-actions.ts'
import { QUEUE_ORDER } from '../../store/view-sort.ts'
import { t } from '../../strings.ts'
import { planDrop } from './plan-moves.ts'
import type { QueueMove } from './plan-moves.ts'
import { updateUiPreferences } from '../settings/ui-preferences.ts'

/** The drag's payload type: rows of this window, never something to add as a download. */
export const ROW_DRAG_TYPE = 'application/x-downpour-rows'

export type DropTarget = { readonly id: string; readonly where: 'before' | 'after' }

/**
 * A row drag in progress: which downloads, and where they would land (the drop indicator), plus
 * the hint shown when reordering is asked for while the list is sorted. Its own small store, so
 * only the row under the pointer re-renders as the indicator moves.
 */
export const useRowDrag = create<{
  dragging: readonly string[] | null
  target: DropTarget | null
  hint: string | null
}>()(() => ({ dragging: null, target: null, hint: null }))

/**
 * Whether the list shows queue order, so a drag (or Alt+arrow) can change it; when not, the hint
 * says why nothing moves and offers queue order back.
 */
export function canReorder(): boolean {
  const { column } = useAppStore.getState().ui.sort
  if (column === 'queue') return true
  useRowDrag.setState({ hint: t.sort.reorderNeedsQueueOrder(t.sort.columns[column]) })
  return false
}

export function dismissReorderHint(): void {
  useRowDrag.setState({ hint: null })
}

export function showQueueOrder(): void {
  useRowDrag.setState({ hint: null })
  setSort(QUEUE_ORDER)
  void updateUiPreferences({ sort: QUEUE_ORDER })
}

/** A drag starts on a row: it carries the selection if the row is in it, else the row alone. */
export function startRowDrag(id: string): string[] | null {
  if (!canReorder()) return null
  const { order } = useAppStore.getState().downloads
  const picked = new Set(targetsFor(id))
  const dragging = order.filter((other) => picked.has(other))
  useRowDrag.setState({ dragging, target: null })
  return dragging
}

/** The pointer is over a row: the indicator goes above or below it (never onto a dragged row). */
export function dragOverRow(target: DropTarget | null): void {
  const { dragging, target: current } = useRowDrag.getState()
  const next = target === null || dragging === null || dragging.includes(target.id) ? null : target
  if (next?.id === current?.id && next?.where === current?.where) return
  useRowDrag.setState({ target: next })
}

export function endRowDrag(): void {
  useRowDrag.setState({ dragging: null, target: null })
}

/**
 * The drop: the dragged downloads go together before or after the target with one `moveMany`
 * (none when they already stand there); the list shows it when `download/moved` arrives.
 */
export async function dropRows(): Promise<QueueMove | null> {
  const { dragging, target } = useRowDrag.getState()
  endRowDrag()
  if (dragging === null || target === null || !isConnected()) return null
  const move = planDrop(useAppStore.getState().downloads.order, dragging, target.id, target.where)
  if (move === null) return null
  await send('moveMany', move.ids, move.to)
  return move
}
