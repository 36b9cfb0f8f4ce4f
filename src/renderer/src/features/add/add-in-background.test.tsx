// @vitest-environment happy-dom
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import type { AddResult } from '../../../../shared/protocol/api.ts'
import type { AddRequest } from '../../../../shared/protocol/model.ts'
import { resetAppStore } from '../../store/app-store.ts'
import { openAddDialog } from '../../store/ui-actions.ts'
import { FakeEngine } from '../../test/fake-engine.ts'
import { installLayoutShim } from '../../test/layout-shim.ts'
import { mountApp, settle } from '../../test/mount-app.tsx'

installLayoutShim()

/** An engine whose add lists the first `first` downloads, then waits for `release()`. */
function slowAdder(engine: FakeEngine, first: number) {
  const realAdd = engine.add.bind(engine)
  let release: () => void = () => {}
  const held = new Promise<void>((resolve) => (release = resolve))
  engine.add = async (requests: AddRequest[]): Promise<AddResult> => {
    const a = await realAdd(requests.slice(0, first))
    await held
    const b = await realAdd(requests.slice(first))
    return { added: [...a.added, ...b.added], rejected: [...a.rejected, ...b.rejected] }
  }
  return { release: () => release() }
}

describe('a long add', () => {
  afterEach(() => cleanup())

  it('closes the dialog after a moment and shows in the list how far it came', async () => {
    resetAppStore()
    const engine = new FakeEngine()
    const { release } = slowAdder(engine, 2)
    await mountApp(engine)
    const urls = Array.from({ length: 5 }, (_, i) => `https://dl.example/${i}.bin`)
    await act(async () => openAddDialog({ text: urls.join('\n') }))
    await settle()
    const dialog = await screen.findByRole('dialog', { name: 'Add downloads' }, { timeout: 10_000 })
    fireEvent.click(within(dialog).getByRole('button', { name: 'Add 5 downloads' }))
    // The engine is still adding: the dialog goes, the list tells the progress.
    const progress = await screen.findByText('Adding 5… 2 so far', {}, { timeout: 5000 })
    expect(progress.getAttribute('role')).toBe('status')
    expect(screen.queryByRole('dialog')).toBeNull()
    // The first ones are already in the list (and the first of them running).
    expect(screen.getAllByRole('row').length).toBeGreaterThanOrEqual(2)
    await act(async () => release())
    await waitFor(() => expect(screen.queryByText(/^Adding 5…/)).toBeNull())
    expect(engine.order).toHaveLength(5)
  })

  it('a quick add answers in the dialog as before (no progress line)', async () => {
    resetAppStore()
    const engine = new FakeEngine()
    await mountApp(engine)
    await act(async () => openAddDialog({ text: 'https://dl.example/a.bin' }))
    await settle()
    const dialog = await screen.findByRole('dialog', { name: 'Add downloads' }, { timeout: 10_000 })
    fireEvent.click(within(dialog).getByRole('button', { name: 'Add 1 download' }))
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull())
    expect(screen.queryByText(/^Adding/)).toBeNull()
    expect(engine.order).toHaveLength(1)
  })
})
