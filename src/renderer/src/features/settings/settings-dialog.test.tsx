// @vitest-environment happy-dom
import { act, cleanup, fireEvent, screen, within } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import { resetAppStore } from '../../store/app-store.ts'
import { FakeConnection } from '../../test/fake-connection.ts'
import { FakeEngine } from '../../test/fake-engine.ts'
import { mountApp, settle } from '../../test/mount-app.tsx'
import { installLayoutShim } from '../../test/layout-shim.ts'
import { useSettingsOpen } from './settings-open.ts'
import { useUiPreferences } from './ui-preferences.ts'

// A lazy view's first import is transformed on demand here: slow on a busy machine.
const LAZY_VIEW_WAIT = { timeout: 10_000 }

installLayoutShim()

async function start(host: 'browser' | 'desktop' = 'browser') {
  resetAppStore()
  useSettingsOpen.setState({ open: false })
  useUiPreferences.setState({ preferences: null })
  const engine = new FakeEngine()
  const connection = new FakeConnection()
  // The desktop shell's connection says so; the rest of it behaves the same.
  ;(connection as unknown as { host: string }).host = host
  await mountApp(engine, { connection })
  fireEvent.click(screen.getByRole('button', { name: 'Settings' }))
  // The settings view is a chunk of its own (lazy-views.tsx): it appears once loaded.
  return { engine, dialog: await screen.findByRole('dialog', { name: 'Settings' }, LAZY_VIEW_WAIT) }
}

describe('the settings view', () => {
  afterEach(() => {
    cleanup()
    delete document.documentElement.dataset['theme']
  })

  it('shows every engine setting with its unit and applies a change live', async () => {
    const { engine, dialog } = await start()
    const wait = within(dialog).getByRole('textbox', { name: 'Wait between tries' })
    expect(wait).toHaveProperty('value', `${engine.settings.retryWaitMs / 1000}s`)
    expect(within(dialog).getAllByRole('textbox').length).toBe(14)
    expect(within(dialog).getAllByRole('checkbox').length).toBe(1)

    fireEvent.change(wait, { target: { value: '45s' } })
    fireEvent.keyDown(wait, { key: 'Enter' })
    await settle()
    expect(engine.settings.retryWaitMs).toBe(45_000)
    expect(wait).toHaveProperty('value', '45s')

    const split = within(dialog).getByRole('textbox', { name: 'Smallest piece per connection' })
    fireEvent.change(split, { target: { value: '2M' } })
    fireEvent.blur(split)
    await settle()
    expect(engine.settings.minSplitSize).toBe(2 * 1024 * 1024)
  })

  it('turns the aria2 RPC listener off and on with its switch', async () => {
    const { engine, dialog } = await start()
    const toggle = within(dialog).getByRole('checkbox', {
      name: 'Accept downloads from browser extensions (aria2 RPC)',
    })
    expect(toggle).toHaveProperty('checked', true)
    fireEvent.click(toggle)
    await settle()
    expect(engine.settings.aria2RpcEnabled).toBe(false)
    expect(toggle).toHaveProperty('checked', false)
  })

  it('shows the engine refusal next to the field it names, and changes nothing', async () => {
    const { engine, dialog } = await start()
    const before = { ...engine.settings }
    const count = within(dialog).getByRole('textbox', { name: 'Downloads at once' })
    fireEvent.change(count, { target: { value: '5000' } })
    fireEvent.keyDown(count, { key: 'Enter' })
    await settle()
    const error = within(dialog).getByRole('alert')
    expect(error.id).toBe('setting-maxConcurrentDownloads-error')
    expect(error.textContent).toBe('must be at most 1,000 at once')
    expect(count.getAttribute('aria-invalid')).toBe('true')
    expect(count.getAttribute('aria-describedby')).toContain(error.id)

    const timeout = within(dialog).getByRole('textbox', { name: 'Connection timeout' })
    fireEvent.change(timeout, { target: { value: '30' } })
    fireEvent.keyDown(timeout, { key: 'Enter' })
    await settle()
    expect(
      within(dialog)
        .getAllByRole('alert')
        .map((e) => e.id),
    ).toContain('setting-timeoutMs-error')
    expect(engine.settings).toEqual(before)
  })

  it('keeps the theme with the engine and follows a change from another window', async () => {
    const { engine, dialog } = await start()
    const theme = within(dialog).getByRole('combobox', { name: 'Theme' })
    fireEvent.change(theme, { target: { value: 'dark' } })
    await settle()
    expect((await engine.uiPreferences()).theme).toBe('dark')
    expect(document.documentElement.dataset['theme']).toBe('dark')

    // Another client changes it: ui/changed reaches this window.
    await act(async () => {
      await engine.updateUiPreferences({ theme: 'light' })
    })
    expect(document.documentElement.dataset['theme']).toBe('light')
    expect(theme).toHaveProperty('value', 'light')
  })

  it('in the browser: no desktop choices; the aria2 RPC address is the page origin, copyable', async () => {
    const { dialog } = await start('browser')
    expect(within(dialog).queryByRole('group', { name: 'Desktop' })).toBeNull()
    expect(
      within(dialog).queryByRole('checkbox', { name: 'Notify when downloads finish' }),
    ).toBeNull()
    const address = `${window.location.origin}/jsonrpc`
    expect(within(dialog).getByText(address)).toBeTruthy()
    fireEvent.click(within(dialog).getByRole('button', { name: 'Copy address' }))
    await settle()
    expect(await navigator.clipboard.readText()).toBe(address)
    expect(within(dialog).getByText('Copied')).toBeTruthy()
  })

  it('in the desktop app: notifications and close to tray, kept in the engine', async () => {
    const { engine, dialog } = await start('desktop')
    await settle()
    const group = within(dialog).getByRole('group', { name: 'Desktop' })
    const notify = within(group).getByRole('checkbox', { name: 'Notify when downloads finish' })
    const tray = within(group).getByRole('checkbox', {
      name: 'Keep running in the tray when the window is closed',
    })
    expect(notify).toHaveProperty('checked', true)
    expect(tray).toHaveProperty('checked', false)
    fireEvent.click(notify)
    fireEvent.click(tray)
    await settle()
    const stored = await engine.uiPreferences()
    expect(stored.notifications).toBe(false)
    expect(stored.closeToTray).toBe(true)
    expect(notify).toHaveProperty('checked', false)
    expect(tray).toHaveProperty('checked', true)
    expect(within(dialog).getByText('http://127.0.0.1:16800/jsonrpc')).toBeTruthy()
  })
})
