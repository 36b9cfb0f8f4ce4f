// @vitest-environment happy-dom
import { act, cleanup, fireEvent, screen, within } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import { useAppStore } from '../../store/app-store.ts'
import type { FakeEngine } from '../../test/fake-engine.ts'
import { rowOf, settle as settleFor, startApp } from '../../test/mount-app.tsx'
import { installLayoutShim } from '../../test/layout-shim.ts'

// A lazy view's first import is transformed on demand here: slow on a busy machine.
const LAZY_VIEW_WAIT = { timeout: 10_000 }

installLayoutShim()

const settle = () => settleFor(20)
const start = (urls: string[], setup?: (engine: FakeEngine) => void) =>
  startApp(urls, setup, { settleMs: 20 })

const menuItems = (name: string) => {
  fireEvent.contextMenu(rowOf(name), { clientX: 10, clientY: 10 })
  const items = within(screen.getByRole('menu'))
    .getAllByRole('menuitem')
    .map((item) => item.textContent)
  fireEvent.keyDown(screen.getByRole('menu'), { key: 'Escape' })
  return items
}

async function askNewUrl(name: string, url: string) {
  fireEvent.contextMenu(rowOf(name), { clientX: 10, clientY: 10 })
  fireEvent.click(within(screen.getByRole('menu')).getByRole('menuitem', { name: 'Change URL…' }))
  const dialog = await screen.findByRole('dialog', { name: 'Change URL' }, LAZY_VIEW_WAIT)
  fireEvent.change(within(dialog).getByLabelText('New URL'), { target: { value: url } })
  fireEvent.submit(within(dialog).getByRole('button', { name: 'Change' }).closest('form')!)
  await settle()
}

describe('Change URL', () => {
  afterEach(() => cleanup())

  it('is offered only on paused and failed downloads', async () => {
    const { engine } = await start(['https://a.example/run.bin', 'https://a.example/stop.bin'])
    const [, stop] = engine.order
    await act(async () => engine.pause({ ids: [stop!] }))
    expect(menuItems('run.bin')).not.toContain('Change URL…')
    expect(menuItems('stop.bin')).toContain('Change URL…')
    await act(async () =>
      engine.fail(engine.order[0]!, { code: 'DP_ERR_HTTP_STATUS', message: '403 Forbidden' }),
    )
    expect(menuItems('run.bin')).toContain('Change URL…')
  })

  it('shows the engine refusal verbatim and changes nothing; the same file continues from its bytes', async () => {
    const { engine } = await start(['https://old.example/file.iso'], (e) => {
      e.sizes.set('https://old.example/file.iso', 4 * 1024 * 1024)
      e.sizes.set('https://other.example/file.iso', 5 * 1024 * 1024)
      e.sizes.set('https://mirror.example/file.iso', 4 * 1024 * 1024)
    })
    const id = engine.order[0]!
    await act(async () => engine.beat(1024 * 1024))
    await act(async () => engine.pause({ ids: [id] }))
    const before = useAppStore.getState().downloads.byId[id]

    await askNewUrl('file.iso', 'https://other.example/file.iso')
    const dialog = await screen.findByRole('dialog', { name: 'Change URL' }, LAZY_VIEW_WAIT)
    expect(within(dialog).getByRole('alert').textContent).toBe(
      'the new URL serves 5242880 bytes, not 4194304: not the same file',
    )
    expect(useAppStore.getState().downloads.byId[id]).toBe(before)
    expect(engine.get(id).url).toBe('https://old.example/file.iso')
    expect(engine.get(id).state).toBe('paused')

    fireEvent.change(within(dialog).getByLabelText('New URL'), {
      target: { value: 'https://mirror.example/file.iso' },
    })
    fireEvent.submit(within(dialog).getByRole('button', { name: 'Change' }).closest('form')!)
    await settle()
    expect(screen.queryByRole('dialog', { name: 'Change URL' })).toBeNull()
    const after = useAppStore.getState().downloads.byId[id]!
    expect(after.url).toBe('https://mirror.example/file.iso')
    // Paused it stays (the engine's rule, issue 26); its bytes are kept.
    expect(after.state).toBe('paused')
    expect(after.done).toBe(1024 * 1024)
    expect(engine.calls.filter((c) => c.method === 'changeUrl').map((c) => c.args)).toEqual([
      [id, 'https://other.example/file.iso'],
      [id, 'https://mirror.example/file.iso'],
    ])
  })

  it('is reachable from the details panel, whose timeline then shows the change', async () => {
    const { engine } = await start(['https://old.example/doc.pdf'])
    const id = engine.order[0]!
    await act(async () => engine.pause({ ids: [id] }))
    fireEvent.contextMenu(rowOf('doc.pdf'), { clientX: 10, clientY: 10 })
    fireEvent.click(within(screen.getByRole('menu')).getByRole('menuitem', { name: 'Details' }))
    await settle()
    const panel = await screen.findByRole('region', { name: 'Details of doc.pdf' }, LAZY_VIEW_WAIT)
    fireEvent.click(within(panel).getByRole('button', { name: 'Change URL…' }))
    const dialog = await screen.findByRole('dialog', { name: 'Change URL' }, LAZY_VIEW_WAIT)
    fireEvent.change(within(dialog).getByLabelText('New URL'), {
      target: { value: 'https://new.example/doc.pdf' },
    })
    fireEvent.submit(within(dialog).getByRole('button', { name: 'Change' }).closest('form')!)
    await settle()
    const kinds = within(panel)
      .getAllByRole('listitem')
      .map((e) => e.getAttribute('data-kind'))
    expect(kinds).toContain('url-changed')
    expect(within(panel).getByText('https://new.example/doc.pdf')).toBeTruthy()
  })
})
