import { t } from '../strings.ts'
import { useAppStore } from './app-store.ts'

/**
 * One polite announcement for state changes only, never progress: completions and failures
 * that arrive close together (one beat's worth) become one sentence, so 50 files finishing at
 * once are announced once, not 50 times.
 */
const COALESCE_MS = 300

let pending: { completed: string[]; failed: string[] } = { completed: [], failed: [] }
let timer: ReturnType<typeof setTimeout> | null = null

export function noteFinished(state: 'completed' | 'failed', name: string): void {
  pending[state].push(name)
  timer ??= setTimeout(flushAnnouncements, COALESCE_MS)
}

/** Writes the pending sentence to the live region (called by the timer; tests call it directly). */
export function flushAnnouncements(): void {
  if (timer !== null) clearTimeout(timer)
  timer = null
  const { completed, failed } = pending
  pending = { completed: [], failed: [] }
  const parts: string[] = []
  if (completed.length > 0) parts.push(t.announce.completed(completed.length, completed[0]!))
  if (failed.length > 0) parts.push(t.announce.failed(failed.length, failed[0]!))
  if (parts.length === 0) return
  const announcement = parts.join('. ')
  useAppStore.setState((s) => ({ ui: { ...s.ui, announcement } }))
}
