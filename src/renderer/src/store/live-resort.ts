import { useAppStore } from './app-store.ts'
import { refreshView } from './download-actions.ts'
import { isLiveColumn } from './view-sort.ts'

/** The least time between two re-sorts by a live figure (speed, progress, time left). */
export const LIVE_RESORT_MS = 1000

/**
 * While the list is sorted by a figure that moves on every beat, re-sorts it at most once per
 * `LIVE_RESORT_MS`, and only after a beat changed something: a beat itself never sorts (it does
 * not even derive the view), and an idle queue costs nothing. Returns a function that stops.
 */
export function followLiveSort(): () => void {
  let timer: ReturnType<typeof setTimeout> | null = null
  let last = -Infinity
  const run = (): void => {
    timer = null
    last = Date.now()
    if (isLiveColumn(useAppStore.getState().ui.sort.column)) refreshView(true)
  }
  const off = useAppStore.subscribe((state, previous) => {
    if (state.downloads === previous.downloads || timer !== null) return
    if (!isLiveColumn(state.ui.sort.column)) return
    timer = setTimeout(run, Math.max(0, last + LIVE_RESORT_MS - Date.now()))
  })
  return () => {
    off()
    if (timer !== null) clearTimeout(timer)
  }
}
