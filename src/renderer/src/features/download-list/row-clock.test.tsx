// @vitest-environment happy-dom
import { act, cleanup, render } from '@testing-library/react'
import { afterEach, beforeEach, expect, it, vi } from 'vitest'
import { resetAppStore } from '../../store/app-store.ts'
import { applySnapshot } from '../../store/download-actions.ts'
import { DEFAULT_SETTINGS } from '../../../../shared/protocol/default-settings.ts'
import { makeSnapshot } from '../../../../../test/make-snapshot.ts'
import { DownloadRow, rowRenderProbe } from './download-row.tsx'
import { rowClockListeners } from './row-clock.ts'

const START = Date.UTC(2026, 11, 6, 12, 0, 0)

beforeEach(() => {
  vi.useFakeTimers({ now: START })
  resetAppStore()
})
afterEach(() => {
  cleanup()
  rowRenderProbe.current = null
  vi.useRealTimers()
})

/** Running downloads (connections open), the last byte `idleMs` before START for each. */
function mountRows(idleMs: readonly number[]): { renders: Record<string, number> } {
  const downloads = idleMs.map((idle, i) =>
    makeSnapshot({
      id: `d${i}`,
      state: 'downloading',
      size: 1000,
      done: 500,
      speed: 0,
      connections: 1,
      createdAt: START - 60_000,
      lastByteAt: START - idle,
    }),
  )
  applySnapshot({ revision: 1, downloads, settings: { ...DEFAULT_SETTINGS, defaultDir: '/d' } })
  const renders: Record<string, number> = {}
  rowRenderProbe.current = (id) => (renders[id] = (renders[id] ?? 0) + 1)
  render(
    <div role="grid">
      {downloads.map((d, i) => (
        <DownloadRow key={d.id} id={d.id} index={i} selected={false} focused={false} top={0} />
      ))}
    </div>,
  )
  return { renders }
}

const statusOf = (id: string) =>
  document.querySelector(`[data-id="${id}"] .row__status`)?.textContent

it('re-renders only the running rows whose words change with the clock, all on one timer', async () => {
  // d0 received a byte just now; d1 has had none for 10 s.
  const { renders } = mountRows([0, 10_000])
  expect(statusOf('d0')).toBe('Downloading')
  expect(statusOf('d1')).toBe('Stalled — no data for 10 s')
  expect(rowClockListeners()).toBe(2)
  // Each second in an act of its own (act batches what happens inside it into one render).
  for (let i = 0; i < 3; i++) await act(async () => vi.advanceTimersByTime(1_000))
  // Three seconds: d0 still reads "Downloading" and was not drawn again; d1 counts on.
  expect(statusOf('d0')).toBe('Downloading')
  expect(renders['d0']).toBe(1)
  expect(statusOf('d1')).toBe('Stalled — no data for 13 s')
  expect(renders['d1']).toBe(4)
  // At 5 s without data d0 says it stalled, drawn once for it.
  for (let i = 0; i < 2; i++) await act(async () => vi.advanceTimersByTime(1_000))
  expect(statusOf('d0')).toBe('Stalled — no data for 5 s')
  expect(renders['d0']).toBe(2)
  cleanup()
  expect(rowClockListeners()).toBe(0)
})
