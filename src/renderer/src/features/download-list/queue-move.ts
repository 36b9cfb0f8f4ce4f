import { useAppStore } from '../../store/app-store.ts'
import { isConnected, send } from '../../store/engine-door.ts'
import { targetsFor } from '../../store/ui-actions.ts'
import { planStep } from './plan-moves.ts'
import { canReorder } from './row-drag.ts'

/**
 * Alt+Up/Down on a row: the selection (or the row alone when it is not selected) moves past its
 * neighbour in the list as shown, with one `moveMany` anchored on that neighbour, so with a
 * filter or search on the rows pass the next shown row, hidden ones included. The store changes
 * when the engine's `download/moved` arrives. While the list is sorted, nothing moves and a hint
 * says why.
 */
export async function moveInQueue(id: string, delta: -1 | 1): Promise<void> {
  if (!canReorder()) return
  const { downloads, view } = useAppStore.getState()
  const move = planStep(downloads.order, view.visibleIds, targetsFor(id), delta)
  if (move === null || !isConnected()) return
  await send('moveMany', move.ids, move.to)
}
