import { act, render, screen, within } from '@testing-library/react'
import { App } from '../app.tsx'
import { resetDetailsStore } from '../features/details/details-store.ts'
import { resetAppStore } from '../store/app-store.ts'
import { FakeConnection } from './fake-connection.ts'
import { FakeEngine } from './fake-engine.ts'

/** Lets timers and effects run: `ms` of timers, inside `act`. */
export const settle = (ms = 0): Promise<void> =>
  act(() => new Promise<void>((resolve) => setTimeout(resolve, ms)))

/**
 * The window as a renderer test starts from it: the App on a fake connection (a new one unless
 * given), connected to `engine`, its first answers settled. Returns the connection.
 */
export async function mountApp(
  engine: FakeEngine,
  options: { connection?: FakeConnection; settleMs?: number } = {},
): Promise<FakeConnection> {
  const connection = options.connection ?? new FakeConnection()
  render(<App connection={connection} />)
  await act(async () => connection.connect(engine))
  await settle(options.settleMs)
  return connection
}

/**
 * A window test's start, written once: the window's stores reset, a new FakeEngine (`setup`
 * runs on it first) holding `urls` added as they are, and the App mounted on it (`mountApp`).
 */
export async function startApp(
  urls: readonly string[] = [],
  setup?: (engine: FakeEngine) => void,
  options: { settleMs?: number } = {},
): Promise<{ engine: FakeEngine; connection: FakeConnection }> {
  resetAppStore()
  resetDetailsStore()
  const engine = new FakeEngine()
  setup?.(engine)
  if (urls.length > 0) await engine.add(urls.map((url) => ({ url })))
  const connection = await mountApp(engine, { settleMs: options.settleMs })
  return { engine, connection }
}

/** The window's download list. */
export const grid = (): HTMLElement => screen.getByRole('grid', { name: 'Downloads' })

/** The list's row whose text names `name` (the first one). */
export const rowOf = (name: string): HTMLElement =>
  within(grid())
    .getAllByRole('row')
    .find((r) => r.textContent?.includes(name))!
