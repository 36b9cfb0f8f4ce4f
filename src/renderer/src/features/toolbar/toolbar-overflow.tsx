import { useEffect, useRef, useState } from 'react'
import type { KeyboardEvent } from 'react'
import { Icon } from '../../components/icon.tsx'
import type { IconName } from '../../components/icon.tsx'
import { t } from '../../strings.ts'

export type ToolAction = {
  readonly key: string
  readonly label: string
  readonly icon: IconName
  readonly disabled: boolean
  readonly run: () => void
}

/**
 * The toolbar's actions in a menu, for windows too narrow to show them (a 640 px window, 200 %
 * zoom): toolbar.css shows this button instead of the row of tools below a width, so every
 * action stays on screen without a sideways scroll (WCAG 1.4.10 Reflow). Arrow keys move,
 * Escape closes and returns focus to the button.
 */
export function ToolbarOverflow({ actions }: { readonly actions: readonly ToolAction[] }) {
  // Where the menu opens (under the button), or null while it is closed.
  const [at, setAt] = useState<{ top: number; right: number } | null>(null)
  const open = at !== null
  const button = useRef<HTMLButtonElement>(null)
  const menu = useRef<HTMLDivElement>(null)
  useEffect(() => {
    if (!open) return
    menu.current
      ?.querySelector<HTMLElement>('[role="menuitem"]:not([aria-disabled="true"])')
      ?.focus()
    const onPointer = (event: PointerEvent): void => {
      const target = event.target as Node
      if (!menu.current?.contains(target) && !button.current?.contains(target)) setAt(null)
    }
    window.addEventListener('pointerdown', onPointer, true)
    return () => window.removeEventListener('pointerdown', onPointer, true)
  }, [open])
  const close = (): void => {
    setAt(null)
    button.current?.focus()
  }
  const onKeyDown = (event: KeyboardEvent): void => {
    const items = [...(menu.current?.querySelectorAll<HTMLElement>('[role="menuitem"]') ?? [])]
    const at = items.indexOf(document.activeElement as HTMLElement)
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault()
      items[(at + (event.key === 'ArrowDown' ? 1 : -1) + items.length) % items.length]?.focus()
    } else if (event.key === 'Escape' || event.key === 'Tab') {
      event.preventDefault()
      close()
    }
  }
  return (
    <>
      <button
        ref={button}
        type="button"
        className="icon-button toolbar__more"
        aria-label={t.moreToolbarActions}
        title={t.moreToolbarActions}
        aria-haspopup="menu"
        aria-expanded={open}
        onClick={(event) => {
          const box = event.currentTarget.getBoundingClientRect()
          setAt(
            open
              ? null
              : { top: box.bottom + 4, right: Math.max(8, window.innerWidth - box.right) },
          )
        }}
      >
        <Icon name="more" />
      </button>
      {at !== null && (
        <div
          ref={menu}
          role="menu"
          className="menu"
          aria-label={t.toolbar}
          style={at}
          onKeyDown={onKeyDown}
        >
          {actions.map((action) => (
            <button
              key={action.key}
              type="button"
              role="menuitem"
              tabIndex={-1}
              className="menu__item"
              aria-disabled={action.disabled}
              onClick={() => {
                if (action.disabled) return
                close()
                action.run()
              }}
            >
              <Icon name={action.icon} />
              {action.label}
            </button>
          ))}
        </div>
      )}
    </>
  )
}
