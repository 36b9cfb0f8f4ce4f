/** Drag payload types Downpour can take: files (.txt lists), links, HTML and plain text. */
export const droppableTypes: readonly string[] = [
  'Files',
  'text/uri-list',
  'text/html',
  'text/plain',
]

/** True if a drag carries at least one type of data that could become downloads. */
export function isDroppable(types: readonly string[]): boolean {
  return types.some((type) => droppableTypes.includes(type))
}

export type DragTracker = {
  /** A `dragenter` anywhere in the window; returns whether the drag is droppable. */
  readonly enter: (types: readonly string[]) => boolean
  /** A `dragleave` anywhere in the window. */
  readonly leave: () => void
  /** The drag is over: dropped, cancelled, or the listener is going away. */
  readonly end: () => void
}

/**
 * Tells whether a droppable drag is over the window. Browsers fire `dragenter`/`dragleave` for
 * every element crossed, in an order that makes a single flag flicker, so entries are counted
 * and the drag is over the window while the count is above zero. `onChange` is called only
 * when that answer changes.
 */
export function createDragTracker(onChange: (active: boolean) => void): DragTracker {
  let depth = 0
  const update = (next: number): void => {
    const wasActive = depth > 0
    depth = Math.max(0, next)
    if (wasActive !== depth > 0) onChange(depth > 0)
  }
  return {
    enter: (types) => {
      if (!isDroppable(types)) return false
      update(depth + 1)
      return true
    },
    leave: () => {
      if (depth > 0) update(depth - 1)
    },
    end: () => update(0),
  }
}
