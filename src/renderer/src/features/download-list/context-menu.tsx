import { useEffect, useRef } from 'react'
import type { KeyboardEvent } from 'react'
import { Icon } from '../../components/icon.tsx'
import { useAppStore } from '../../store/app-store.ts'
import { closeMenu, targetsFor } from '../../store/ui-actions.ts'
import { isFolderGone, menuActions } from './row-actions.ts'

/** Copies the URLs of the row's targets (one per line) to the clipboard. */
export function copyUrls(id: string): void {
  const { byId } = useAppStore.getState().downloads
  const text = targetsFor(id)
    .map((x) => byId[x]?.url)
    .filter((url): url is string => url !== undefined)
    .join('\n')
  void navigator.clipboard?.writeText(text).catch(() => {})
}

/**
 * The row context menu (right click, the Menu key or Shift+F10): the same actions as the row's
 * buttons, applied to the selection. Arrow keys move, Enter runs, Escape closes and returns
 * focus to the row.
 */
export function ContextMenu() {
  const menu = useAppStore((s) => s.ui.menu)
  const state = useAppStore((s) => (s.ui.menu ? s.downloads.byId[s.ui.menu.id]?.state : undefined))
  const fileMissing = useAppStore((s) =>
    s.ui.menu ? s.downloads.byId[s.ui.menu.id]?.fileMissing === true : false,
  )
  const folderGone = useAppStore((s) =>
    s.ui.menu ? isFolderGone(s.downloads.byId[s.ui.menu.id]) : false,
  )
  const ref = useRef<HTMLDivElement>(null)
  useEffect(() => {
    if (menu === null) return
    ref.current?.querySelector<HTMLElement>('[role="menuitem"]')?.focus()
    const onPointer = (event: PointerEvent): void => {
      if (!ref.current?.contains(event.target as Node)) closeMenu()
    }
    window.addEventListener('pointerdown', onPointer, true)
    return () => window.removeEventListener('pointerdown', onPointer, true)
  }, [menu])
  if (menu === null || state === undefined) return null
  const actions = menuActions(state, copyUrls, fileMissing, folderGone)
  const close = (): void => {
    closeMenu()
    document.querySelector<HTMLElement>(`[role="row"][data-id="${CSS.escape(menu.id)}"]`)?.focus()
  }
  const onKeyDown = (event: KeyboardEvent): void => {
    const items = [...(ref.current?.querySelectorAll<HTMLElement>('[role="menuitem"]') ?? [])]
    const at = items.indexOf(document.activeElement as HTMLElement)
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault()
      const next = (at + (event.key === 'ArrowDown' ? 1 : -1) + items.length) % items.length
      items[next]?.focus()
    } else if (event.key === 'Escape' || event.key === 'Tab') {
      event.preventDefault()
      close()
    }
  }
  const left = Math.min(menu.x, window.innerWidth - 200)
  const top = Math.min(menu.y, window.innerHeight - 44 * actions.length)
  return (
    <div
      ref={ref}
      role="menu"
      className="menu"
      aria-label="Download actions"
      style={{ left, top }}
      onKeyDown={onKeyDown}
    >
      {actions.map((action) => (
        <button
          key={action.key}
          type="button"
          role="menuitem"
          tabIndex={-1}
          className="menu__item"
          data-danger={action.key === 'remove'}
          onClick={() => {
            close()
            action.run(menu.id)
          }}
        >
          <Icon name={action.icon} />
          {action.label}
        </button>
      ))}
    </div>
  )
}
