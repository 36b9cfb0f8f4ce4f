import { DownpourError, ERROR_CODES } from './errors.ts'

/**
 * Where `moveMany` puts a block of downloads: just before or just after another download (an
 * anchor, as a drop or a keyboard step names it), or at a queue index (0 = first; past the end
 * means last).
 */
export type MoveTarget = { before: string } | { after: string } | { position: number }

/**
 * Where a block of downloads stands after a move: `ids` in their queue order, together, the
 * first of them at index `position` of the whole queue; every other download keeps its order.
 * It is `moveMany`'s answer and, with a revision, the `download/moved` event: what changed,
 * not the queue (500 ids moved in a queue of 100,000 is ~20 KB, not 3.6 MB per event).
 */
export type MovedBlock = { ids: string[]; position: number }

/** A block move planned on an order: where the block lands, and the new order (null: no change). */
export type PlannedBlockMove = { moved: MovedBlock; order: string[] | null }

/** Unknown ids named in a refusal before it says "and N more". */
const NAMED = 3

/**
 * Plans `moveMany(ids, to)` on `order` in one pass: the downloads in `ids` keep their relative
 * queue order (the order of `ids` itself does not matter) and land together at `to`. Refuses,
 * naming what was wrong: an empty list, an id listed twice, ids not in the queue
 * (`DP_ERR_NOT_FOUND`), an anchor that is one of the moved downloads or not in the queue, a
 * position that is not a whole number >= 0. `order` is null when the block already stands there.
 */
export function planBlockMove(
  order: readonly string[],
  ids: readonly string[],
  to: MoveTarget,
): PlannedBlockMove {
  if (ids.length === 0) throw invalid('nothing to move: the list of ids is empty')
  const wanted = new Set<string>()
  for (const id of ids) {
    if (wanted.has(id)) throw invalid(`the id ${id} is listed twice`)
    wanted.add(id)
  }
  const anchor = 'before' in to ? to.before : 'after' in to ? to.after : null
  if (anchor !== null && wanted.has(anchor))
    throw invalid(`cannot move downloads next to ${anchor}: it is one of the downloads being moved`)
  if ('position' in to && !(Number.isInteger(to.position) && to.position >= 0))
    throw invalid(`position must be a whole number >= 0, not ${to.position}`)
  const block: string[] = []
  const rest: string[] = []
  let anchorAt = -1
  for (const id of order) {
    if (wanted.has(id)) block.push(id)
    else {
      if (id === anchor) anchorAt = rest.length
      rest.push(id)
    }
  }
  if (block.length < wanted.size) {
    const found = new Set(block)
    const missing = ids.filter((id) => !found.has(id))
    const more = missing.length > NAMED ? ` and ${missing.length - NAMED} more` : ''
    throw new DownpourError(
      ERROR_CODES.notFound,
      `no download with id ${missing.slice(0, NAMED).join(', ')}${more}`,
    )
  }
  if (anchor !== null && anchorAt < 0)
    throw new DownpourError(ERROR_CODES.notFound, `no download with id ${anchor} (the target)`)
  const position =
    'position' in to ? Math.min(to.position, rest.length) : anchorAt + ('after' in to ? 1 : 0)
  const moved = { ids: block, position }
  // Unchanged exactly when the block already fills [position, position + k) of the order.
  let same = true
  for (let i = 0; i < block.length && same; i++) same = order[position + i] === block[i]
  return { moved, order: same ? null : placeBlock(rest, block, position) }
}

/**
 * Applies a `download/moved` (or `moveMany`'s answer) to an order a client keeps: the block's
 * ids leave their places and stand together from `position` (clamped to the end).
 */
export function applyBlockMove(order: readonly string[], moved: MovedBlock): string[] {
  const ids = new Set(moved.ids)
  const rest = order.filter((id) => !ids.has(id))
  return placeBlock(rest, moved.ids, Math.min(moved.position, rest.length))
}

/** `rest` with `block` inserted at `at`; no spread, so a block of 100,000 ids is fine. */
function placeBlock(rest: readonly string[], block: readonly string[], at: number): string[] {
  return rest.slice(0, at).concat(block, rest.slice(at))
}

function invalid(message: string): DownpourError {
  return new DownpourError(ERROR_CODES.invalidArgument, message)
}
