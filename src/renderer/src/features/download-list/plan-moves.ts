import { planBlockMove, type MoveTarget } from '../../../../shared/protocol/block-move.ts'

/** One call of the engine's `moveMany`: the downloads go together to `to`. */
export type QueueMove = { readonly ids: string[]; readonly to: MoveTarget }

/**
 * The drop of `dragged` just before or after `target`: one `moveMany` (the engine keeps the
 * dragged in queue order and puts them together there), or null when it would change nothing —
 * the target is one of the dragged or gone, or the rows already stand there. Dragged ids that
 * are no longer in the queue (removed meanwhile) are left out.
 */
export function planDrop(
  order: readonly string[],
  dragged: readonly string[],
  target: string,
  where: 'before' | 'after',
): QueueMove | null {
  const known = new Set(order)
  const ids = dragged.filter((id) => known.has(id))
  if (ids.length === 0 || !known.has(target) || ids.includes(target)) return null
  const to = where === 'before' ? { before: target } : { after: target }
  return planBlockMove(order, ids, to).order === null ? null : { ids, to }
}

/**
 * Alt+Down / Alt+Up on `ids` (the selection, or the focused row): they go together just past
 * the next shown row after the last of them, or just before the shown row before the first of
 * them. With a filter or search on, hidden rows are passed over as the person sees the list. A
 * selection in one run moves one row; a scattered one gathers there. Null at the list's end.
 */
export function planStep(
  order: readonly string[],
  shown: readonly string[],
  ids: readonly string[],
  delta: -1 | 1,
): QueueMove | null {
  const picked = new Set(ids)
  let first = -1
  let last = -1
  shown.forEach((id, i) => {
    if (!picked.has(id)) return
    if (first < 0) first = i
    last = i
  })
  if (first < 0) return null
  const neighbour = delta > 0 ? shown[last + 1] : shown[first - 1]
  if (neighbour === undefined) return null
  return planDrop(order, ids, neighbour, delta > 0 ? 'after' : 'before')
}
