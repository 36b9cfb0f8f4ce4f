// @vitest-environment happy-dom
import { act, cleanup, fireEvent, screen, within } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import { resetAppStore } from '../../store/app-store.ts'
import { FakeEngine } from '../../test/fake-engine.ts'
import { mountApp, settle } from '../../test/mount-app.tsx'
import { installLayoutShim } from '../../test/layout-shim.ts'

installLayoutShim()

const MiB = 1024 * 1024

async function start() {
  resetAppStore()
  const engine = new FakeEngine()
  await mountApp(engine)
  return { engine }
}

const bar = () => screen.getByRole('contentinfo', { name: 'Engine status' })

describe('the status bar speed limit', () => {
  afterEach(() => cleanup())

  it('shows the engine limit and sets a preset in one click', async () => {
    const { engine } = await start()
    const button = within(bar()).getByRole('button', { name: 'No speed limit' })
    fireEvent.click(button)
    const panel = screen.getByRole('dialog', { name: 'Global speed limit' })
    fireEvent.click(within(panel).getByRole('radio', { name: '2.0 MiB/s' }))
    await settle()
    expect(engine.settings.maxOverallDownloadLimit).toBe(2 * MiB)
    expect(screen.queryByRole('dialog', { name: 'Global speed limit' })).toBeNull()
    expect(within(bar()).getByRole('button', { name: 'Limit 2.0 MiB/s' })).toBeTruthy()

    // Off again.
    fireEvent.click(within(bar()).getByRole('button', { name: 'Limit 2.0 MiB/s' }))
    fireEvent.click(screen.getByRole('radio', { name: 'No limit' }))
    await settle()
    expect(engine.settings.maxOverallDownloadLimit).toBe(0)
    expect(within(bar()).getByRole('button', { name: 'No speed limit' })).toBeTruthy()
  })

  it('the options are one tab stop that arrow keys move through, Enter sets one', async () => {
    const { engine } = await start()
    fireEvent.click(within(bar()).getByRole('button', { name: 'No speed limit' }))
    const panel = screen.getByRole('dialog', { name: 'Global speed limit' })
    const radios = within(panel).getAllByRole('radio')
    expect(radios.map((r) => r.tabIndex)).toEqual([0, ...radios.slice(1).map(() => -1)])
    expect(document.activeElement).toBe(radios[0])
    fireEvent.keyDown(radios[0]!, { key: 'ArrowDown' })
    expect(document.activeElement).toBe(radios[1])
    fireEvent.keyDown(radios[1]!, { key: 'ArrowRight' })
    expect(document.activeElement).toBe(radios[2])
    fireEvent.keyDown(radios[2]!, { key: 'ArrowUp' })
    expect(document.activeElement).toBe(radios[1])
    fireEvent.keyDown(radios[1]!, { key: 'End' })
    expect(document.activeElement).toBe(radios.at(-1))
    fireEvent.keyDown(radios.at(-1)!, { key: 'ArrowDown' })
    expect(document.activeElement).toBe(radios[0])
    fireEvent.keyDown(radios[0]!, { key: 'ArrowLeft' })
    expect(document.activeElement).toBe(radios.at(-1))
    // Moving set nothing; activating the focused one does.
    expect(engine.settings.maxOverallDownloadLimit).toBe(0)
    const name = radios.at(-1)!.textContent!
    fireEvent.click(radios.at(-1)!)
    await settle()
    expect(within(bar()).getByRole('button', { name: `Limit ${name}` })).toBeTruthy()
  })

  it('follows a limit set by another client', async () => {
    const { engine } = await start()
    await act(async () => {
      await engine.updateSettings({ maxOverallDownloadLimit: '750K' })
    })
    expect(within(bar()).getByRole('button', { name: 'Limit 750 KiB/s' })).toBeTruthy()
  })

  it('takes a custom rate with units, and shows the engine refusal of a bad one', async () => {
    const { engine } = await start()
    fireEvent.click(within(bar()).getByRole('button', { name: 'No speed limit' }))
    const panel = screen.getByRole('dialog', { name: 'Global speed limit' })
    const field = within(panel).getByRole('textbox', { name: 'Custom limit' })

    fireEvent.change(field, { target: { value: 'fast' } })
    fireEvent.click(within(panel).getByRole('button', { name: 'Set limit' }))
    await settle()
    expect(within(panel).getByRole('alert').textContent).toContain('"fast" is not a size')
    expect(field.getAttribute('aria-invalid')).toBe('true')
    expect(engine.settings.maxOverallDownloadLimit).toBe(0)

    fireEvent.change(field, { target: { value: '3M' } })
    expect(within(panel).queryByRole('alert')).toBeNull()
    fireEvent.click(within(panel).getByRole('button', { name: 'Set limit' }))
    await settle()
    expect(engine.settings.maxOverallDownloadLimit).toBe(3 * MiB)
    expect(within(bar()).getByRole('button', { name: 'Limit 3.0 MiB/s' })).toBeTruthy()
  })

  it('closes on Escape without changing the limit', async () => {
    const { engine } = await start()
    fireEvent.click(within(bar()).getByRole('button', { name: 'No speed limit' }))
    const panel = screen.getByRole('dialog', { name: 'Global speed limit' })
    fireEvent.keyDown(panel, { key: 'Escape' })
    expect(screen.queryByRole('dialog', { name: 'Global speed limit' })).toBeNull()
    expect(engine.calls.some((c) => c.method === 'updateSettings')).toBe(false)
  })
})
