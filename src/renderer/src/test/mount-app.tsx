import { act, render } from '@testing-library/react'
import { App } from '../app.tsx'
import { FakeConnection } from './fake-connection.ts'
import type { FakeEngine } from './fake-engine.ts'

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
