import { useAppStore } from './app-store.ts'
import type { AppState } from './app-store.ts'

/**
 * The longest the window's first render waits for the first rows. The engine answers the
 * first rows well within it even under bench:ui's load (docs/benchmarks.md); past this, the
 * window shows itself with what it has (the connection's status, the empty list) rather than
 * stay blank.
 */
export const FIRST_SCREEN_WAIT_MS = 400

const ready = (s: AppState): boolean =>
  s.downloads.loaded ||
  (s.connection.status.kind !== 'connecting' && s.connection.status.kind !== 'connected')

/**
 * Calls `show` once, when the window has something true to show: the first rows are in the
 * store, or the link to the engine is down (reconnecting, failed), or `waitMs` passed. Rendering
 * the window once with its rows, instead of first empty and then again, takes a whole render of
 * the empty window (and its "no downloads yet" flash) off the way to the first rows: a render
 * under way when the rows arrived was thrown away and done again (bench:ui --profile-load).
 * Returns a function that cancels the wait.
 */
export function whenFirstScreenReady(show: () => void, waitMs = FIRST_SCREEN_WAIT_MS): () => void {
  let done = false
  let unsubscribe = (): void => {}
  const timers: ReturnType<typeof setTimeout>[] = []
  const stop = (): void => {
    done = true
    unsubscribe()
    for (const timer of timers) clearTimeout(timer)
  }
  const fire = (): void => {
    if (done) return
    stop()
    show()
  }
  if (ready(useAppStore.getState())) {
    fire()
    return stop
  }
  unsubscribe = useAppStore.subscribe((s) => {
    if (ready(s)) fire()
  })
  timers.push(setTimeout(fire, waitMs))
  return stop
}
