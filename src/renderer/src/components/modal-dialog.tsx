import './modal-dialog.css'
import { useEffect, useRef } from 'react'
import type { ReactNode } from 'react'

export type ModalDialogProps = {
  readonly title: string
  readonly onClose: () => void
  readonly children: ReactNode
  readonly className?: string
  /** Elements inside the dialog that get focus first (else the first focusable). */
  readonly initialFocus?: string
}

/**
 * A modal on the native `<dialog>`: the browser traps focus, makes the rest of the page inert,
 * closes on Escape and returns focus to where it was.
 */
export function ModalDialog({
  title,
  onClose,
  children,
  className,
  initialFocus,
}: ModalDialogProps) {
  const ref = useRef<HTMLDialogElement>(null)
  const onCloseRef = useRef(onClose)
  useEffect(() => {
    onCloseRef.current = onClose
  })
  useEffect(() => {
    const dialog = ref.current
    if (dialog === null) return
    const opener = document.activeElement as HTMLElement | null
    if (typeof dialog.showModal === 'function' && !dialog.open) dialog.showModal()
    else dialog.setAttribute('open', '')
    if (initialFocus) dialog.querySelector<HTMLElement>(initialFocus)?.focus()
    const onCancel = (event: Event): void => {
      event.preventDefault()
      onCloseRef.current()
    }
    dialog.addEventListener('cancel', onCancel)
    return () => {
      dialog.removeEventListener('cancel', onCancel)
      if (dialog.open && typeof dialog.close === 'function') dialog.close()
      opener?.focus?.()
    }
  }, [initialFocus])
  return (
    <dialog ref={ref} className={`modal ${className ?? ''}`} aria-label={title}>
      <h2 className="modal__title">{title}</h2>
      {children}
    </dialog>
  )
}
