// @vitest-environment happy-dom
import { act, cleanup, fireEvent, screen, within } from '@testing-library/react'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ERROR_CODES } from '../../shared/protocol/errors.ts'
import { rowRenderProbe } from './features/download-list/download-row.tsx'
import { gridRenderProbe } from './features/download-list/download-grid.tsx'
import { FakeEngine } from './test/fake-engine.ts'
import { grid, rowOf, settle, startApp } from './test/mount-app.tsx'
import { installLayoutShim } from './test/layout-shim.ts'

installLayoutShim()

describe('the window', () => {
  beforeEach(() => {
    rowRenderProbe.current = null
    gridRenderProbe.current = null
  })
  afterEach(() => cleanup())

  it('shows every download with a live progress bar', async () => {
    const { engine } = await startApp([
      'https://files.example/a.iso',
      'https://files.example/b.zip',
      'https://files.example/c.mp4',
    ])
    expect(within(grid()).getAllByRole('row')).toHaveLength(4) // header + 3
    const bar = within(rowOf('a.iso')).getByRole('progressbar', { name: 'Progress of a.iso' })
    expect(bar.getAttribute('aria-valuenow')).toBe('0')
    await act(async () => engine.beat(512 * 1024))
    expect(bar.getAttribute('aria-valuenow')).toBe('50')
    expect(rowOf('a.iso').textContent).toContain('512 KiB of 1.0 MiB')
    expect(rowOf('a.iso').textContent).toContain('2.0 MiB/s')
    // The third waits behind the limit of two.
    expect(rowOf('c.mp4').textContent).toContain('Queued (1st)')
    await act(async () => engine.beat(512 * 1024))
    expect(rowOf('a.iso').textContent).toContain('Completed')
    expect(rowOf('c.mp4').textContent).toContain('Downloading')
  })

  it('a beat re-renders only the rows whose figures changed, never the list', async () => {
    const { engine } = await startApp(
      ['https://f.example/1.bin', 'https://f.example/2.bin', 'https://f.example/3.bin'],
      (e) => (e.settings.maxConcurrentDownloads = 1),
    )
    const rows: string[] = []
    let grids = 0
    rowRenderProbe.current = (id) => rows.push(id)
    gridRenderProbe.current = () => grids++
    await act(async () => engine.beat())
    expect(rows).toEqual([engine.order[0]])
    expect(grids).toBe(0)
  })

  it('a search shows in the box at once and swaps the rows in a deferred render', async () => {
    const urls = Array.from({ length: 200 }, (_, i) => `https://s.example/f${i}.bin`)
    await startApp(urls, (e) => (e.settings.maxConcurrentDownloads = 1))
    const laidOut: number[] = []
    gridRenderProbe.current = (rowCount) => laidOut.push(rowCount)
    const box = screen.getByRole('searchbox', { name: 'Search names and URLs' })
    await act(async () => fireEvent.change(box, { target: { value: 'f1' } }))
    // f1, f10–f19, f100–f199: 111 matches. The urgent render keeps the 200 rows it had (the
    // box and the counts update in it); the rows are swapped in a render React may slice and
    // drop for the next keystroke, so typing never waits for the list.
    expect(laidOut).toEqual([200, 111])
    expect((box as HTMLInputElement).value).toBe('f1')
    expect(grid().getAttribute('aria-rowcount')).toBe('112')
  })

  it('renders a window of rows out of 10,000, with the full count for assistive tech', async () => {
    const urls = Array.from({ length: 10_000 }, (_, i) => `https://many.example/f${i}.bin`)
    await startApp(urls, (e) => (e.settings.maxConcurrentDownloads = 3))
    expect(grid().getAttribute('aria-rowcount')).toBe('10001')
    const rendered = within(grid()).getAllByRole('row').length
    expect(rendered).toBeGreaterThan(5)
    expect(rendered).toBeLessThan(60)
  })

  it('keeps the focused row mounted when the list scrolls far away from it', async () => {
    const urls = Array.from({ length: 2_000 }, (_, i) => `https://far.example/f${i}.bin`)
    const { engine } = await startApp(urls)
    fireEvent.keyDown(grid(), { key: 'ArrowDown' })
    const first = engine.order[0]!
    const scroller = grid().parentElement!
    await act(async () => {
      scroller.scrollTop = 60 * 1_500
      scroller.dispatchEvent(new Event('scroll'))
    })
    await settle()
    const rendered = within(grid())
      .getAllByRole('row')
      .map((r) => r.getAttribute('data-id'))
    expect(rendered).toContain(first)
    expect(rendered).toContain(engine.order[1_505])
    expect(rendered.length).toBeLessThan(60)
  })

  it('says why a download is not moving, and keeps failures visible with Retry', async () => {
    const { engine } = await startApp(['https://f.example/flaky.bin', 'https://f.example/gone.bin'])
    const [flaky, gone] = engine.order as [string, string]
    await act(async () =>
      engine.fail(
        flaky,
        {
          code: ERROR_CODES.httpRetryable,
          message: 'server answered 503 Service Unavailable for https://f.example/flaky.bin',
        },
        { retryable: true, waitMs: 3_500 },
      ),
    )
    // The row catches its clock up on a timer of its own (row-clock.ts): until then it counts
    // from when it was drawn, over a second ago on a loaded machine ("Retrying in 5 s").
    await settle()
    expect(rowOf('flaky.bin').textContent).toMatch(
      /Retrying in [1-4] s — 503 Service Unavailable \(try 2 of 5\)/,
    )
    await act(async () =>
      engine.fail(gone, {
        code: ERROR_CODES.httpStatus,
        message: 'server answered 404 Not Found for https://f.example/gone.bin',
      }),
    )
    expect(rowOf('gone.bin').textContent).toContain('Failed — 404 Not Found')
    // Still there after more beats and a resync: failed downloads stay until removed.
    await act(async () => engine.beat())
    expect(rowOf('gone.bin')).toBeDefined()
    fireEvent.click(within(rowOf('gone.bin')).getByRole('button', { name: 'Retry gone.bin' }))
    await settle()
    expect(engine.calls.at(-1)).toEqual({ method: 'retry', args: [{ ids: [gone] }] })
    expect(rowOf('gone.bin').textContent).toContain('Downloading')
  })

  it('pauses and resumes from the row, and says whether it can resume', async () => {
    const { engine } = await startApp(['https://f.example/movie.mkv'])
    fireEvent.click(within(rowOf('movie.mkv')).getByRole('button', { name: 'Pause movie.mkv' }))
    await settle()
    expect(rowOf('movie.mkv').textContent).toContain('Paused — can resume')
    await act(async () =>
      engine.setState(engine.order[0]!, 'paused', { resumable: false, done: 10 }),
    )
    expect(rowOf('movie.mkv').textContent).toContain(
      'Paused — the server cannot resume this; it will restart',
    )
    fireEvent.click(within(rowOf('movie.mkv')).getByRole('button', { name: 'Resume movie.mkv' }))
    await settle()
    expect(rowOf('movie.mkv').textContent).toContain('Downloading')
  })

  it('filters with live counts and searches names and URLs', async () => {
    const { engine } = await startApp(
      ['https://a.example/one.iso', 'https://b.example/two.zip', 'https://b.example/three.zip'],
      (e) => (e.settings.maxConcurrentDownloads = 1),
    )
    const filter = (name: RegExp) => screen.getByRole('button', { name })
    expect(filter(/^All/).textContent).toBe('All3')
    expect(filter(/^Active/).textContent).toBe('Active1')
    expect(filter(/^Queued/).textContent).toBe('Queued2')
    await act(async () =>
      engine.fail(engine.order[0]!, {
        code: ERROR_CODES.httpStatus,
        message: 'server answered 403 Forbidden for x',
      }),
    )
    expect(filter(/^Failed/).textContent).toBe('Failed1')
    fireEvent.click(filter(/^Failed/))
    expect(within(grid()).getAllByRole('row')).toHaveLength(2)
    fireEvent.click(filter(/^All/))
    fireEvent.change(screen.getByRole('searchbox', { name: 'Search names and URLs' }), {
      target: { value: 'b.example' },
    })
    expect(within(grid()).getAllByRole('row')).toHaveLength(3)
    expect(screen.queryByText('one.iso')).toBeNull()
  })

  it('counts what the search finds on each tab: "2 of 3", in the accessible names too', async () => {
    const { engine } = await startApp(
      ['https://a.example/one.iso', 'https://b.example/two.zip', 'https://b.example/three.zip'],
      (e) => (e.settings.maxConcurrentDownloads = 1),
    )
    const filter = (name: RegExp) => screen.getByRole('button', { name })
    expect(filter(/^All/).getAttribute('aria-label')).toBe('All, 3')
    const search = screen.getByRole('searchbox', { name: 'Search names and URLs' })
    fireEvent.change(search, { target: { value: 'b.example' } })
    expect(filter(/^All/).textContent).toBe('All2 of 3')
    expect(filter(/^All/).getAttribute('aria-label')).toBe('All, 2 of 3')
    // one.iso runs; the two found are queued.
    expect(filter(/^Active/).getAttribute('aria-label')).toBe('Active, 0 of 1')
    expect(filter(/^Queued/).getAttribute('aria-label')).toBe('Queued, 2 of 2')
    // A download the search finds changes state: the counts follow.
    await act(async () =>
      engine.fail(engine.order[0]!, { code: ERROR_CODES.httpStatus, message: '403 for x' }),
    )
    await settle()
    expect(filter(/^Active/).getAttribute('aria-label')).toBe('Active, 1 of 1')
    expect(filter(/^Queued/).getAttribute('aria-label')).toBe('Queued, 1 of 1')
    fireEvent.change(search, { target: { value: '' } })
    expect(filter(/^All/).textContent).toBe('All3')
  })

  it('works from the keyboard: arrows, Space, Ctrl+A, Delete with a confirmation', async () => {
    const { engine } = await startApp(['https://k.example/1.bin', 'https://k.example/2.bin'])
    const ids = [...engine.order]
    const g = grid()
    fireEvent.keyDown(g, { key: 'ArrowDown' })
    expect(rowOf('1.bin').getAttribute('aria-selected')).toBe('true')
    fireEvent.keyDown(g, { key: 'ArrowDown' })
    expect(rowOf('2.bin').getAttribute('aria-selected')).toBe('true')
    expect(rowOf('1.bin').getAttribute('aria-selected')).toBe('false')
    fireEvent.keyDown(g, { key: ' ' })
    await settle()
    expect(engine.get(engine.order[1]!).state).toBe('paused')
    fireEvent.keyDown(g, { key: 'a', ctrlKey: true })
    expect(rowOf('1.bin').getAttribute('aria-selected')).toBe('true')
    fireEvent.keyDown(g, { key: 'Delete' })
    const dialog = screen.getByRole('dialog', { name: 'Remove 2 downloads?' })
    fireEvent.click(
      within(dialog).getByRole('checkbox', { name: 'Also delete the 2 partial files' }),
    )
    fireEvent.click(within(dialog).getByRole('button', { name: 'Remove' }))
    await settle()
    expect(engine.calls.at(-1)).toEqual({
      method: 'remove',
      args: [{ ids }, { deleteFiles: true }],
    })
    expect(engine.order).toEqual([])
    expect(screen.getByRole('heading', { name: 'No downloads yet' })).toBeDefined()
  })

  it('counts the partial files the removal can delete: "the 1,000 partial files", none for completed ones', async () => {
    const urls = Array.from({ length: 1002 }, (_, i) => `https://m.example/part-${i}.bin`)
    const { engine } = await startApp(urls)
    await act(async () => {
      engine.setState(engine.order[0]!, 'completed')
      engine.setState(engine.order[1]!, 'completed')
    })
    const g = grid()
    fireEvent.keyDown(g, { key: 'ArrowDown' })
    fireEvent.keyDown(g, { key: 'a', ctrlKey: true })
    fireEvent.keyDown(g, { key: 'Delete' })
    let dialog = screen.getByRole('dialog', { name: 'Remove 1,002 downloads?' })
    expect(
      within(dialog).getByRole('checkbox', { name: 'Also delete the 1,000 partial files' }),
    ).toBeTruthy()
    fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }))
    // Only completed ones: nothing partial to delete, no box.
    fireEvent.keyDown(g, { key: 'Home' })
    fireEvent.keyDown(g, { key: 'ArrowDown', shiftKey: true })
    fireEvent.keyDown(g, { key: 'Delete' })
    dialog = screen.getByRole('dialog', { name: 'Remove 2 downloads?' })
    expect(within(dialog).queryByRole('checkbox')).toBeNull()
  })

  it('multi-selects with Shift and Ctrl clicks; row actions apply to the selection', async () => {
    const { engine } = await startApp(
      ['https://m.example/1.bin', 'https://m.example/2.bin', 'https://m.example/3.bin'],
      (e) => (e.settings.maxConcurrentDownloads = 3),
    )
    fireEvent.mouseDown(rowOf('1.bin'), { button: 0 })
    fireEvent.mouseDown(rowOf('3.bin'), { button: 0, shiftKey: true })
    expect(['1.bin', '2.bin', '3.bin'].map((n) => rowOf(n).getAttribute('aria-selected'))).toEqual([
      'true',
      'true',
      'true',
    ])
    fireEvent.mouseDown(rowOf('2.bin'), { button: 0, ctrlKey: true })
    expect(rowOf('2.bin').getAttribute('aria-selected')).toBe('false')
    fireEvent.click(within(rowOf('3.bin')).getByRole('button', { name: 'Pause 3.bin' }))
    await settle()
    expect(engine.calls.at(-1)).toEqual({
      method: 'pause',
      args: [{ ids: [engine.order[0], engine.order[2]] }],
    })
  })

  it('desktop: the menu opens a completed file or shows it, Enter opens it; the browser has neither', async () => {
    const { engine } = await startApp(['https://d.example/done.iso'])
    await act(async () => engine.beat(1024 * 1024))
    expect(rowOf('done.iso').textContent).toContain('Completed')
    fireEvent.contextMenu(rowOf('done.iso'), { clientX: 10, clientY: 10 })
    expect(
      within(screen.getByRole('menu')).queryByRole('menuitem', { name: 'Open file' }),
    ).toBeNull()
    fireEvent.keyDown(screen.getByRole('menu'), { key: 'Escape' })

    const opened: string[] = []
    const shown: string[] = []
    const bridge = {
      openDownload: async (id: string) => void opened.push(id),
      showDownload: async (id: string) => void shown.push(id),
    }
    Object.defineProperty(window, 'downpour', { value: bridge, configurable: true })
    try {
      fireEvent.contextMenu(rowOf('done.iso'), { clientX: 10, clientY: 10 })
      fireEvent.click(
        within(screen.getByRole('menu')).getByRole('menuitem', { name: 'Show in folder' }),
      )
      fireEvent.keyDown(grid(), { key: 'Enter' })
      // The file is looked for first (the engine answers), then opened.
      await settle()
      expect(shown).toEqual([engine.order[0]])
      expect(opened).toEqual([engine.order[0]])
    } finally {
      Reflect.deleteProperty(window, 'downpour')
    }
  })

  it('a completed file gone: the row says so, Open says why instead of nothing, Download again and Remove from list', async () => {
    const { engine } = await startApp(['https://d.example/gone.iso'])
    await act(async () => engine.beat(1024 * 1024))
    const id = engine.order[0]!
    engine.deletedFiles.add(id)
    const opened: string[] = []
    const bridge = {
      openDownload: async (x: string) => void opened.push(x),
      showDownload: async () => {},
    }
    Object.defineProperty(window, 'downpour', { value: bridge, configurable: true })
    try {
      // Open: the engine finds the file gone; nothing is opened, and the window says why.
      fireEvent.contextMenu(rowOf('gone.iso'), { clientX: 10, clientY: 10 })
      fireEvent.click(within(screen.getByRole('menu')).getByRole('menuitem', { name: 'Open file' }))
      await settle()
      expect(opened).toEqual([])
      expect(screen.getByRole('alert').textContent).toContain(
        'gone.iso is no longer in its folder (deleted or moved)',
      )
      expect(rowOf('gone.iso').textContent).toContain('Completed — file missing')
      // The row's button downloads it again, replacing the row (its name is free again).
      fireEvent.contextMenu(rowOf('gone.iso'), { clientX: 10, clientY: 10 })
      const menu = within(screen.getByRole('menu'))
      expect(menu.queryByRole('menuitem', { name: 'Open file' })).toBeNull()
      expect(menu.getByRole('menuitem', { name: 'Remove from list' })).toBeDefined()
      fireEvent.click(menu.getByRole('menuitem', { name: 'Download again' }))
      await settle()
      // Added first (paused: the engine carries the old row's headers and password from it,
      // `againOf`), then the old row removed (its name free), then the new one resumed.
      const calls = engine.calls.filter((c) => ['remove', 'add', 'resume'].includes(c.method))
      const added = engine.order.find((x) => x !== id)
      expect(calls.slice(-3)).toEqual([
        {
          method: 'add',
          args: [
            [
              {
                url: 'https://d.example/gone.iso',
                dir: '/home/me/Downloads',
                paused: true,
                onDuplicate: 'again',
                againOf: id,
              },
            ],
          ],
        },
        { method: 'remove', args: [{ ids: [id] }, { deleteFiles: true }] },
        { method: 'resume', args: [{ ids: [added] }] },
      ])
      expect(engine.order).toHaveLength(1)
      expect(engine.order[0]).not.toBe(id)
    } finally {
      Reflect.deleteProperty(window, 'downpour')
    }
  })

  it('shows the engine link in the status bar', async () => {
    const { engine, connection } = await startApp(['https://s.example/x.bin'])
    await act(async () => engine.beat())
    const status = screen.getByRole('contentinfo', { name: 'Engine status' })
    expect(status.textContent).toContain('Engine running')
    expect(status.textContent).toContain('1 active')
    expect(status.textContent).toContain('1.0 MiB/s')
    await act(async () =>
      connection.setStatus({ kind: 'reconnecting', attempt: 1, reason: 'socket closed' }),
    )
    expect(status.textContent).toContain('Reconnecting…')
    // A new client after the reconnection: a fresh snapshot, and green again with its beats.
    const next = new FakeEngine()
    await next.add([{ url: 'https://s.example/x.bin' }, { url: 'https://s.example/y.bin' }])
    await act(async () => connection.connect(next))
    await settle()
    await act(async () => next.beat())
    expect(status.textContent).toContain('Engine running')
    expect(within(grid()).getAllByRole('row')).toHaveLength(3)
  })
})
