import { useAppStore } from '../../store/app-store.ts'
import { currentClient } from '../../store/engine-sink.ts'
import { showError } from '../../store/ui-actions.ts'
import { t } from '../../strings.ts'
import { canReorder } from './row-drag.ts'

/**
 * Moves a download past its neighbour in the list as shown (Alt+Up/Down), through the engine's
 * `move`. With a filter or search on, the neighbour is the next shown row, and the position sent
 * is that row's place in the whole queue: moving down lands just after it, moving up just
 * before it. The store changes when the engine's `download/moved` arrives. While the list is
 * sorted, nothing moves and a hint says why.
 */
export async function moveInQueue(id: string, delta: -1 | 1): Promise<void> {
  if (!canReorder()) return
  const { downloads, view } = useAppStore.getState()
  const shown = view.visibleIds.indexOf(id)
  const neighbour = shown < 0 ? undefined : view.visibleIds[shown + delta]
  const client = currentClient()
  if (neighbour === undefined || client === null) return
  try {
    await client.move(id, downloads.order.indexOf(neighbour))
  } catch (error) {
    showError(t.commandFailed((error as Error).message))
  }
}
