import { useEffect, useState } from 'react'

/**
 * The wall clock, re-read every `intervalMs` while `active`: for countdowns and the heartbeat
 * light, which change with time rather than with engine events. Not a poll of the engine.
 */
export function useNow(intervalMs: number, active = true): number {
  const [now, setNow] = useState(() => Date.now())
  useEffect(() => {
    if (!active) return
    const tick = (): void => setNow(Date.now())
    // Catch up at once (the clock may have stood still while inactive), then keep time.
    const first = setTimeout(tick, 0)
    const timer = setInterval(tick, intervalMs)
    return () => {
      clearTimeout(first)
      clearInterval(timer)
    }
  }, [intervalMs, active])
  return now
}
