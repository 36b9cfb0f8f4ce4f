/** One call of the engine's `move(id, position)`. */
export type QueueMove = { readonly id: string; readonly position: number }

/**
 * The engine's `move` as the scheduler does it: the download leaves its place and is put at
 * `position` of what remains (past the end means last). Exported so tests replay a plan.
 */
export function applyMove(order: readonly string[], move: QueueMove): string[] {
  const rest = order.filter((id) => id !== move.id)
  rest.splice(Math.min(move.position, rest.length), 0, move.id)
  return rest
}

/**
 * The `move` calls that put `dragged` (any order; applied in queue order) together just before
 * or after `target`, the rest keeping their order: at most one call per dragged download, none
 * for one already in its place. `target` must not be one of the dragged.
 */
export function planMoves(
  order: readonly string[],
  dragged: readonly string[],
  target: string,
  where: 'before' | 'after',
): QueueMove[] {
  const set = new Set(dragged)
  if (set.has(target) || !order.includes(target)) return []
  const block = order.filter((id) => set.has(id))
  const moves: QueueMove[] = []
  let current = [...order]
  block.forEach((id, i) => {
    const rest = current.filter((other) => other !== id)
    const position =
      i === 0 ? rest.indexOf(target) + (where === 'after' ? 1 : 0) : rest.indexOf(block[i - 1]!) + 1
    if (current.indexOf(id) === position) return
    moves.push({ id, position })
    current = applyMove(current, { id, position })
  })
  return moves
}
