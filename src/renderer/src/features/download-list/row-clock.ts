import { useEffect, useRef, useState } from 'react'

/** How often rows that change with time (a retry's countdown, a stall's seconds) look at it. */
export const ROW_TICK_MS = 1000

const listeners = new Set<(now: number) => void>()
let timer: ReturnType<typeof setInterval> | null = null

/**
 * One timer for every row: each second the rows that change with time are asked, together (so
 * React renders the ones that changed in one pass), not each on a timer of its own.
 */
function onTick(listener: (now: number) => void): () => void {
  listeners.add(listener)
  timer ??= setInterval(() => {
    const now = Date.now()
    for (const l of [...listeners]) l(now)
  }, ROW_TICK_MS)
  return () => {
    listeners.delete(listener)
    if (listeners.size === 0 && timer !== null) {
      clearInterval(timer)
      timer = null
    }
  }
}

/**
 * The clock a row draws with, moved on only when what the row shows at the new time differs
 * (`textAt`): a running download reads "Downloading" second after second, and re-rendering every
 * running row each second for it cost frames while scrolling a 100,000 queue (bench:ui), where
 * only a stalled row's "no data for N s" or a retry's countdown needs the new second.
 * `textAt` may change between renders; the latest one is used.
 */
export function useRowNow(active: boolean, textAt: (now: number) => string): number {
  const [now, setNow] = useState(() => Date.now())
  const latest = useRef({ textAt, now })
  useEffect(() => {
    latest.current = { textAt, now }
  })
  useEffect(() => {
    if (!active) return
    const look = (at: number): void => {
      const { textAt: text, now: shown } = latest.current
      if (text(at) !== text(shown)) setNow(at)
    }
    // Catch up at once (the clock stood still while the row did not tick), then each second.
    const first = setTimeout(() => look(Date.now()), 0)
    const off = onTick(look)
    return () => {
      clearTimeout(first)
      off()
    }
  }, [active])
  return now
}

/** Rows listening to the clock (tests: the timer stops with the last one). */
export function rowClockListeners(): number {
  return listeners.size
}
