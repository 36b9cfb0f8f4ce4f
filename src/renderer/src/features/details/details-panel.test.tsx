// @vitest-environment happy-dom
import { act, cleanup, fireEvent, screen, within } from '@testing-library/react'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { FakeEngine } from '../../test/fake-engine.ts'
import { rowOf, settle as settleFor, startApp } from '../../test/mount-app.tsx'
import { installLayoutShim } from '../../test/layout-shim.ts'
import { speedGraphRenderProbe } from './speed-graph.tsx'

// A lazy view's first import is transformed on demand here: slow on a busy machine.
const LAZY_VIEW_WAIT = { timeout: 10_000 }

installLayoutShim()

const settle = () => settleFor(20)
const start = (urls: string[], setup?: (engine: FakeEngine) => void) =>
  startApp(urls, setup, { settleMs: 20 })

const panel = () => screen.getByRole('region', { name: /^Details of/ })

async function openWithEnter(name: string) {
  fireEvent.mouseDown(rowOf(name))
  rowOf(name).focus()
  fireEvent.keyDown(rowOf(name), { key: 'Enter' })
  await settle()
  // The panel is a chunk of its own (lazy-views.tsx): the first opening waits for it.
  await screen.findByRole('region', { name: /^Details of/ }, LAZY_VIEW_WAIT)
  // …and then, as before, for what the panel asked of the engine on mount (details, segments).
  await settle()
}

describe('the details panel', () => {
  beforeEach(() => {
    speedGraphRenderProbe.current = null
  })
  afterEach(() => cleanup())

  it('opens on Enter with the connection map, timeline, URLs, paths and redacted headers; Escape closes it and unwatches', async () => {
    const { engine } = await start(['https://files.example/big.iso'], (e) => {
      e.settings = {
        ...e.settings,
        headers: { Authorization: 'Bearer s3cret', Referer: 'https://r.example/' },
      }
    })
    const id = engine.order[0]!
    await act(async () => engine.beat(256 * 1024))
    await openWithEnter('big.iso')

    expect(panel()).toBe(document.activeElement)
    expect(engine.watched).toEqual([id])
    expect(screen.getByTestId('connection-map-text').textContent).toBe('4 connections; 25 % done')
    await act(async () => engine.beat(256 * 1024))
    expect(screen.getByTestId('connection-map-text').textContent).toBe('4 connections; 50 % done')
    expect(within(panel()).getByRole('img', { name: '4 connections; 50 % done' })).toBeTruthy()

    const facts = within(panel())
    expect(facts.getByText('https://files.example/big.iso')).toBeTruthy()
    expect(facts.getByText('/home/me/Downloads/big.iso')).toBeTruthy()
    expect(facts.getByText('/home/me/Downloads/big.iso.part')).toBeTruthy()
    expect(panel().textContent).toContain('Resumableyes')
    expect(panel().textContent).toContain('https://r.example/')
    expect(panel().textContent).toContain('[redacted]')
    expect(panel().textContent).not.toContain('s3cret')
    const entries = within(screen.getByRole('list')).getAllByRole('listitem')
    expect(entries.map((e) => e.getAttribute('data-kind'))).toEqual(['added', 'attempt'])
    expect(entries[1]!.textContent).toContain('try 1 from byte 0')

    fireEvent.keyDown(panel(), { key: 'Escape' })
    await settle()
    expect(screen.queryByRole('region', { name: /^Details of/ })).toBeNull()
    expect(document.activeElement).toBe(rowOf('big.iso'))
    expect(engine.watched).toEqual([])
  })

  it('shows retries with status code and reason, and refreshes the timeline when the state changes', async () => {
    const { engine } = await start(['https://files.example/flaky.bin'])
    const id = engine.order[0]!
    await openWithEnter('flaky.bin')
    await act(async () =>
      engine.fail(
        id,
        { code: 'DP_ERR_HTTP_STATUS', message: '503 Service Unavailable' },
        { retryable: true },
      ),
    )
    await settle()
    const retry = within(panel())
      .getAllByRole('listitem')
      .find((e) => e.getAttribute('data-kind') === 'retry')!
    expect(retry.textContent).toContain('HTTP 503')
    expect(retry.textContent).toContain('503 Service Unavailable')
  })

  it('follows the row the person moves to: the old map is unwatched, the new one watched', async () => {
    const { engine } = await start(['https://a.example/one.bin', 'https://a.example/two.bin'])
    const [one, two] = engine.order
    await openWithEnter('one.bin')
    expect(engine.watched).toEqual([one])
    fireEvent.mouseDown(rowOf('two.bin'))
    await settle()
    expect(panel().getAttribute('aria-label')).toBe('Details of two.bin')
    expect(engine.watched).toEqual([two])
    expect(
      engine.calls.filter((c) => c.method === 'unwatchSegments').map((c) => c.args[0]),
    ).toEqual([one])
  })

  it('watches the connection map again on the new client after a reconnection', async () => {
    const url = 'https://files.example/big.iso'
    const { engine, connection } = await start([url])
    const id = engine.order[0]!
    await act(async () => engine.beat(256 * 1024))
    await openWithEnter('big.iso')
    expect(screen.getByTestId('connection-map-text').textContent).toBe('4 connections; 25 % done')

    // The link dropped and came back: a new client, which knows nothing of the old watch (the
    // engine ended it with the old connection). Meanwhile the download got to 50 %.
    const again = new FakeEngine()
    await again.add([{ url }])
    await act(async () => again.beat(256 * 1024))
    await act(async () => again.beat(256 * 1024))
    expect(again.order[0]).toBe(id)
    await act(async () => connection.connect(again))
    await settle()
    expect(again.watched).toEqual([id])
    expect(screen.getByTestId('connection-map-text').textContent).toBe('4 connections; 50 % done')
    await act(async () => again.beat(256 * 1024))
    expect(screen.getByTestId('connection-map-text').textContent).toBe('4 connections; 75 % done')
  })

  it('opens from the row menu, and closes with its Close button', async () => {
    const { engine } = await start(['https://a.example/menu.bin'])
    fireEvent.contextMenu(rowOf('menu.bin'), { clientX: 10, clientY: 10 })
    fireEvent.click(within(screen.getByRole('menu')).getByRole('menuitem', { name: 'Details' }))
    await settle()
    expect(panel().getAttribute('aria-label')).toBe('Details of menu.bin')
    fireEvent.click(within(panel()).getByRole('button', { name: 'Close details' }))
    await settle()
    expect(screen.queryByRole('region', { name: /^Details of/ })).toBeNull()
    expect(engine.watched).toEqual([])
  })

  it('feeds the speed graph from beats without re-rendering it', async () => {
    const { engine } = await start(['https://a.example/fast.bin'], (e) => {
      e.sizes.set('https://a.example/fast.bin', 100 * 1024 * 1024)
    })
    let renders = 0
    speedGraphRenderProbe.current = () => renders++
    await openWithEnter('fast.bin')
    const before = renders
    for (let i = 1; i <= 30; i++) await act(async () => engine.beat(i * 1024))
    await settle()
    expect(renders).toBe(before)
    const text = screen.getByTestId('speed-graph-text').textContent
    expect(text).toBe('Now 120 KiB/s; peak 120 KiB/s in the last 60 s')
    expect(within(panel()).getByRole('img', { name: text! })).toBeTruthy()
  })
  it('shows the speeds from before it was opened: the minute the download ran, not just from the opening on', async () => {
    const { engine } = await start(['https://a.example/long.bin'], (e) => {
      e.sizes.set('https://a.example/long.bin', 100 * 1024 * 1024)
    })
    // 30 beats while no panel is open, fastest first: 120 KiB/s down to 4 KiB/s.
    for (let i = 30; i >= 1; i--) await act(async () => engine.beat(i * 1024))
    await openWithEnter('long.bin')
    expect(screen.getByTestId('speed-graph-text').textContent).toBe(
      'Now 4.0 KiB/s; peak 120 KiB/s in the last 60 s',
    )
  })
})
