import { useEffect } from 'react'
import { openAddDialog, setDragOver } from '../../store/ui-actions.ts'
import { readTransfer } from '../add/read-drop.ts'
import type { TransferLike } from '../add/read-drop.ts'
import { createDragTracker, isDroppable } from './drag-tracker.ts'

function opensDialog(draft: Awaited<ReturnType<typeof readTransfer>>): void {
  if (draft !== null) openAddDialog(draft)
}

function asTransfer(data: DataTransfer): TransferLike {
  return { types: Array.from(data.types), files: data.files, getData: (f) => data.getData(f) }
}

/** True when the keyboard focus is somewhere that takes typed or pasted text itself. */
function isTextField(target: EventTarget | null): boolean {
  const element = target as HTMLElement | null
  return (
    element !== null &&
    (element.tagName === 'INPUT' || element.tagName === 'TEXTAREA' || element.isContentEditable)
  )
}

/**
 * Drops anywhere on the window and pastes outside text fields open the add dialog with what they
 * carry; `ui.dragOver` drives the highlight while something droppable is dragged over. Also
 * stops the browser from opening a dropped file in place of the app.
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
      // A row dragged out of the list (onto the filters, say) is not something to add.
      if (!isDroppable(typesOf(event))) return
      event.preventDefault()
      tracker.end()
      if (event.dataTransfer !== null)
        void readTransfer(asTransfer(event.dataTransfer), 'drop').then(opensDialog)
    }
    const onDragEnd = (): void => tracker.end()
    const onPaste = (event: ClipboardEvent): void => {
      if (isTextField(event.target) || event.clipboardData === null) return
      event.preventDefault()
      void readTransfer(asTransfer(event.clipboardData), 'paste').then(opensDialog)
    }

    const listeners = [
      ['dragenter', onDragEnter],
      ['dragover', onDragOver],
      ['dragleave', onDragLeave],
      ['drop', onDrop],
      ['dragend', onDragEnd],
    ] as const
    for (const [type, listener] of listeners) window.addEventListener(type, listener)
    document.addEventListener('paste', onPaste)
    return () => {
      for (const [type, listener] of listeners) window.removeEventListener(type, listener)
      document.removeEventListener('paste', onPaste)
      tracker.end()
    }
  }, [])
}
