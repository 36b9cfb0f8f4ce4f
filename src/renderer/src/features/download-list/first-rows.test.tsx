// @vitest-environment happy-dom
import { act, cleanup, render } from '@testing-library/react'
import { afterEach, expect, it } from 'vitest'
import { App } from '../../app.tsx'
import { resetAppStore } from '../../store/app-store.ts'
import { applySnapshot } from '../../store/download-actions.ts'
import { FakeConnection } from '../../test/fake-connection.ts'
import { FakeEngine } from '../../test/fake-engine.ts'
import { installLayoutShim } from '../../test/layout-shim.ts'

installLayoutShim()
afterEach(() => cleanup())

const rows = () => document.querySelectorAll('[role="row"][data-id]').length

it("draws the screen's rows first and the overscan once they were painted", async () => {
  resetAppStore()
  const engine = new FakeEngine()
  await engine.add(Array.from({ length: 40 }, (_, i) => ({ url: `https://a.example/${i}.bin` })))
  // The rows are in the store before the window's first render, as boot.tsx arranges.
  applySnapshot(await engine.snapshotHead(100))
  render(<App connection={new FakeConnection()} />)
  // The list's viewport is 600 px (layout-shim) and a row 60 px: ten rows and a partial one.
  const first = rows()
  expect(first).toBeGreaterThanOrEqual(10)
  expect(first).toBeLessThanOrEqual(11)
  // A frame later the rows below the screen are there for scrolling (overscan 10).
  await act(() => new Promise<void>((resolve) => setTimeout(resolve, 100)))
  expect(rows()).toBe(first + 10)
})
