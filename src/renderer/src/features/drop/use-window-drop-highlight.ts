import { useEffect } from 'react'
import { setDragOver } from '../../store/ui-actions.ts'
import { createDragTracker, isDroppable } from './drag-tracker.ts'

/**
 * Drives `ui.dragOver` from drags over the whole window, and stops the browser from opening a
 * dropped file in place of the app. Dropping adds nothing until the engine is connected.
 */
export function useWindowDropHighlight(): void {
  useEffect(() => {
    const tracker = createDragTracker(setDragOver)
    const typesOf = (event: DragEvent): string[] => Array.from(event.dataTransfer?.types ?? [])

    const onDragEnter = (event: DragEvent): void => {
      if (tracker.enter(typesOf(event))) event.preventDefault()
    }
    const onDragOver = (event: DragEvent): void => {
      if (!isDroppable(typesOf(event))) return
      // Cancelling dragover is what marks the window as a drop target.
      event.preventDefault()
      if (event.dataTransfer !== null) event.dataTransfer.dropEffect = 'copy'
    }
    const onDragLeave = (): void => tracker.leave()
    const onDrop = (event: DragEvent): void => {
      event.preventDefault()
      tracker.end()
    }
    const onDragEnd = (): void => tracker.end()

    const listeners = [
      ['dragenter', onDragEnter],
      ['dragover', onDragOver],
      ['dragleave', onDragLeave],
      ['drop', onDrop],
      ['dragend', onDragEnd],
    ] as const
    for (const [type, listener] of listeners) window.addEventListener(type, listener)
    return () => {
      for (const [type, listener] of listeners) window.removeEventListener(type, listener)
      tracker.end()
    }
  }, [])
}
