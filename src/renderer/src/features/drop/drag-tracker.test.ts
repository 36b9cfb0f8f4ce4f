import { describe, expect, it } from 'vitest'
import { createDragTracker, isDroppable } from './drag-tracker.ts'

function track() {
  const changes: boolean[] = []
  return { changes, tracker: createDragTracker((active) => changes.push(active)) }
}

describe('isDroppable', () => {
  it('accepts files, links, HTML and text, and nothing else', () => {
    expect(isDroppable(['Files'])).toBe(true)
    expect(isDroppable(['text/uri-list', 'text/plain'])).toBe(true)
    expect(isDroppable(['text/plain'])).toBe(true)
    expect(isDroppable(['text/html'])).toBe(true)
    expect(isDroppable(['application/x-moz-file-promise'])).toBe(false)
    expect(isDroppable([])).toBe(false)
  })
})

describe('createDragTracker', () => {
  it('stays active while the drag crosses child elements', () => {
    const { changes, tracker } = track()
    tracker.enter(['Files'])
    tracker.enter(['Files'])
    tracker.leave()
    tracker.enter(['Files'])
    tracker.leave()
    expect(changes).toEqual([true])
    tracker.leave()
    expect(changes).toEqual([true, false])
  })

  it('ends on drop however deep the drag was', () => {
    const { changes, tracker } = track()
    tracker.enter(['text/uri-list'])
    tracker.enter(['text/uri-list'])
    tracker.end()
    expect(changes).toEqual([true, false])
    tracker.end()
    expect(changes).toEqual([true, false])
  })

  it('ignores drags it cannot use and stray leaves', () => {
    const { changes, tracker } = track()
    expect(tracker.enter(['application/json'])).toBe(false)
    tracker.leave()
    tracker.leave()
    expect(changes).toEqual([])
    expect(tracker.enter(['Files'])).toBe(true)
    expect(changes).toEqual([true])
  })
})
