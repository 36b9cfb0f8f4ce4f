// @vitest-environment happy-dom
import { act, cleanup, fireEvent, screen, within } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import { ERROR_CODES } from '../../../../shared/protocol/errors.ts'
import { resetAppStore, useAppStore } from '../../store/app-store.ts'
import { FakeEngine } from '../../test/fake-engine.ts'
import { mountApp, rowOf, settle as settleFor } from '../../test/mount-app.tsx'
import { installLayoutShim } from '../../test/layout-shim.ts'
import { resetDetailsStore } from '../details/details-store.ts'
import { menuActions } from '../download-list/row-actions.ts'
import { errorReason } from '../download-list/status-line.ts'

// A lazy view's first import is transformed on demand here: slow on a busy machine.
const LAZY_VIEW_WAIT = { timeout: 10_000 }

installLayoutShim()

const settle = () => settleFor(20)

const GONE = {
  code: ERROR_CODES.folderGone,
  message:
    'the folder /media/usb is gone (deleted, renamed, or its drive unmounted); it is not made again: restore it and retry, or download into another folder',
}

async function start() {
  resetAppStore()
  resetDetailsStore()
  const engine = new FakeEngine()
  await engine.add(
    ['a.bin', 'b.bin', 'c.bin'].map((n) => ({ url: `https://x.example/${n}`, dir: '/media/usb' })),
  )
  await mountApp(engine, { settleMs: 20 })
  await act(async () => {
    engine.fail(engine.order[0]!, GONE)
    engine.fail(engine.order[1]!, GONE)
    engine.fail(engine.order[2]!, { code: 'DP_ERR_HTTP_STATUS', message: '404 Not Found' })
  })
  return engine
}

describe('Choose another folder…', () => {
  afterEach(() => cleanup())

  it('is the main action of a row whose folder is gone, with Retry in its menu; not offered for another failure', () => {
    const gone = menuActions('failed', () => {}, false, true).map((a) => a.label)
    expect(gone.slice(0, 2)).toEqual(['Choose another folder…', 'Retry'])
    expect(menuActions('failed', () => {}).map((a) => a.label)).not.toContain(
      'Choose another folder…',
    )
    expect(errorReason(GONE)).toBe('the folder /media/usb is gone')
  })

  it('asks once for every selected row whose folder is gone; a refusal is shown in the engine’s words and the dialog stays', async () => {
    const engine = await start()
    expect(rowOf('a.bin').textContent).toContain('Failed — the folder /media/usb is gone')
    fireEvent.mouseDown(rowOf('a.bin'), { button: 0 })
    // c.bin (a 404) is in the selection too: it is left out, its folder is not the problem.
    fireEvent.mouseDown(rowOf('c.bin'), { button: 0, shiftKey: true })
    fireEvent.click(
      within(rowOf('b.bin')).getByRole('button', { name: 'Choose another folder… b.bin' }),
    )
    const dialog = await screen.findByRole(
      'dialog',
      { name: 'Choose another folder' },
      LAZY_VIEW_WAIT,
    )
    expect(dialog.textContent).toContain('2 downloads: a.bin, b.bin')
    const field = within(dialog).getByLabelText('Folder')
    fireEvent.change(field, { target: { value: 'relative/folder' } })
    fireEvent.submit(within(dialog).getByRole('button', { name: 'Download here' }).closest('form')!)
    await settle()
    expect(within(dialog).getByRole('alert').textContent).toBe(
      'the folder must be an absolute path: relative/folder',
    )
    fireEvent.change(field, { target: { value: '/home/me/Downloads' } })
    fireEvent.submit(within(dialog).getByRole('button', { name: 'Download here' }).closest('form')!)
    await settle()
    expect(screen.queryByRole('dialog', { name: 'Choose another folder' })).toBeNull()
    const calls = engine.calls.filter((c) => c.method === 'changeFolder')
    expect(calls.map((c) => c.args)).toEqual([
      [[engine.order[0], engine.order[1]], 'relative/folder'],
      [[engine.order[0], engine.order[1]], '/home/me/Downloads'],
    ])
    const { byId } = useAppStore.getState().downloads
    expect(byId[engine.order[0]!]?.dir).toBe('/home/me/Downloads')
    expect(byId[engine.order[2]!]?.dir).toBe('/media/usb')
  })
})
