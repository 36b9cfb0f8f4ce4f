import { lazy, Suspense } from 'react'
import type { ComponentType } from 'react'
import { useDetailsStore } from './features/details/details-store.ts'
import { useSettingsOpen } from './features/settings/settings-open.ts'
import { useAppStore } from './store/app-store.ts'

/**
 * The views the first screen does not show, each in a chunk of its own: the add dialog (with
 * the list parsers), the settings view, the change-URL and change-folder dialogs and the details panel (with its
 * canvases and styles). The window's first bundle is what draws the list; these load when
 * opened, or before that in idle time once the first rows are in (`prefetchViews`).
 */
const loaders = {
  add: () => import('./features/add/add-dialog.tsx').then((m) => m.AddDialog),
  settings: () => import('./features/settings/settings-dialog.tsx').then((m) => m.SettingsDialog),
  changeUrl: () =>
    import('./features/change-url/change-url-dialog.tsx').then((m) => m.ChangeUrlDialog),
  details: () => import('./features/details/details-panel.tsx').then((m) => m.DetailsPanel),
  changeFolder: () =>
    import('./features/change-folder/change-folder-dialog.tsx').then((m) => m.ChangeFolderDialog),
} satisfies Record<string, () => Promise<ComponentType>>

const AddDialog = lazy(() => loaders.add().then((c) => ({ default: c })))
const SettingsDialog = lazy(() => loaders.settings().then((c) => ({ default: c })))
const ChangeUrlDialog = lazy(() => loaders.changeUrl().then((c) => ({ default: c })))
const ChangeFolderDialog = lazy(() => loaders.changeFolder().then((c) => ({ default: c })))
const DetailsPanel = lazy(() => loaders.details().then((c) => ({ default: c })))

/** Mounts a lazy view only while it is open, so a closed one needs no code. */
function Slot({ open, View }: { readonly open: boolean; readonly View: ComponentType }) {
  if (!open) return null
  return (
    <Suspense fallback={null}>
      <View />
    </Suspense>
  )
}

export function AddDialogSlot() {
  const open = useAppStore((s) => s.ui.addDraft !== null)
  return <Slot open={open} View={AddDialog} />
}

export function SettingsSlot() {
  const open = useSettingsOpen((s) => s.open)
  return <Slot open={open} View={SettingsDialog} />
}

export function ChangeUrlSlot() {
  const open = useDetailsStore((s) => s.changeUrlId !== null)
  return <Slot open={open} View={ChangeUrlDialog} />
}

export function ChangeFolderSlot() {
  const open = useDetailsStore((s) => s.changeFolderIds !== null)
  return <Slot open={open} View={ChangeFolderDialog} />
}

export function DetailsSlot() {
  const open = useDetailsStore((s) => s.openId !== null)
  return <Slot open={open} View={DetailsPanel} />
}

type IdleWindow = {
  requestIdleCallback?: (callback: () => void, options?: { timeout: number }) => number
  cancelIdleCallback?: (handle: number) => void
}

/**
 * Loads the lazy views one per idle period, so the first time a person opens one it is
 * already there. Returns a function that stops what has not started. A view that fails to load
 * here is asked for again (and its error shown) when it is opened.
 */
export function prefetchViews(win: IdleWindow & typeof globalThis = globalThis): () => void {
  const queue = Object.values(loaders)
  let stopped = false
  let handle: number | undefined
  const idle = (callback: () => void): void => {
    handle = win.requestIdleCallback
      ? win.requestIdleCallback(callback, { timeout: 5000 })
      : (win.setTimeout(callback, 200) as unknown as number)
  }
  const next = (): void => {
    const load = queue.shift()
    if (stopped || load === undefined) return
    load().then(
      () => idle(next),
      () => idle(next),
    )
  }
  idle(next)
  return () => {
    stopped = true
    if (handle !== undefined) {
      if (win.cancelIdleCallback) win.cancelIdleCallback(handle)
      else win.clearTimeout(handle)
    }
  }
}
