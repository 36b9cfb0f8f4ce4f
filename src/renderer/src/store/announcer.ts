import { formatBytes } from '../../../shared/format.ts'
import { t } from '../strings.ts'
import { useAppStore } from './app-store.ts'

/**
 * The polite live region's one sentence, throttled: "3 downloading, 12.0 MiB/s; report.pdf
 * completed". At most one every `SUMMARY_INTERVAL_MS` while downloads are active (a screen
 * reader user hears how things go without a word per beat), completions and failures that
 * arrive between two sentences coalesced into the next, and nothing at all when the queue is
 * idle and nothing finished, or when the sentence would be the same as the last.
 */
export const SUMMARY_INTERVAL_MS = 8000
/** A first finish after a quiet spell waits this long for the rest of its beat. */
const COALESCE_MS = 300

export type SummaryInput = {
  readonly active: number
  /** Total bytes/s. */
  readonly speed: number
  readonly completed: readonly string[]
  readonly failed: readonly string[]
}

/** The sentence for what happened since the last one; '' when there is nothing to say. */
export function summarize({ active, speed, completed, failed }: SummaryInput): string {
  const finished: string[] = []
  if (completed.length > 0) finished.push(t.announce.completed(completed.length, completed[0]!))
  if (failed.length > 0) finished.push(t.announce.failed(failed.length, failed[0]!))
  const parts: string[] = []
  if (active > 0) parts.push(t.announce.active(active, `${formatBytes(speed)}/s`))
  if (finished.length > 0) parts.push(finished.join(', '))
  return parts.join('; ')
}

let pending: { completed: string[]; failed: string[] } = { completed: [], failed: [] }
let timer: ReturnType<typeof setTimeout> | null = null
let lastAt = -Infinity
let lastSentence = ''

function schedule(): void {
  if (timer !== null) return
  timer = setTimeout(
    flushAnnouncements,
    Math.max(COALESCE_MS, lastAt + SUMMARY_INTERVAL_MS - Date.now()),
  )
}

const activeNow = (): number => useAppStore.getState().view.counts.active

/** A download reached `completed` or `failed` (from the sink's `download/changed`). */
export function noteFinished(state: 'completed' | 'failed', name: string): void {
  pending[state].push(name)
  schedule()
}

/**
 * Writes the sentence to the live region now (called by the timer; tests call it directly),
 * and while downloads are active, plans the next one.
 */
export function flushAnnouncements(): void {
  if (timer !== null) clearTimeout(timer)
  timer = null
  const { downloads } = useAppStore.getState()
  const active = activeNow()
  const sentence = summarize({ active, speed: downloads.speed, ...pending })
  pending = { completed: [], failed: [] }
  if (sentence !== '' && sentence !== lastSentence) {
    lastAt = Date.now()
    lastSentence = sentence
    useAppStore.setState((s) => ({ ui: { ...s.ui, announcement: sentence } }))
  }
  if (active > 0) schedule()
}

/**
 * Starts the periodic summary whenever downloads become active (the finishes schedule their own
 * sentence). Returns a function that stops it and forgets what was pending.
 */
export function startLiveSummary(): () => void {
  if (activeNow() > 0) schedule()
  const off = useAppStore.subscribe((state, previous) => {
    if (state.view !== previous.view && state.view.counts.active > 0) schedule()
  })
  return () => {
    off()
    if (timer !== null) clearTimeout(timer)
    timer = null
    pending = { completed: [], failed: [] }
    lastAt = -Infinity
    lastSentence = ''
  }
}
