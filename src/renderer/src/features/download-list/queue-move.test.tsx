// @vitest-environment happy-dom
import { cleanup, fireEvent, screen, within } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import { resetAppStore } from '../../store/app-store.ts'
import { FakeEngine } from '../../test/fake-engine.ts'
import { mountApp, settle } from '../../test/mount-app.tsx'
import { installLayoutShim } from '../../test/layout-shim.ts'

installLayoutShim()

async function start(names: string[]) {
  resetAppStore()
  const engine = new FakeEngine()
  await engine.add(names.map((n) => ({ url: `https://files.example/${n}`, paused: true })))
  await mountApp(engine)
  return { engine }
}

/** The moveMany calls the window sent: [ids, target] each; `move` is never used. */
const moves = (engine: FakeEngine) => {
  expect(engine.calls.filter((c) => c.method === 'move')).toEqual([])
  return engine.calls.filter((c) => c.method === 'moveMany').map((c) => c.args)
}

const grid = () => screen.getByRole('grid', { name: 'Downloads' })
const shownNames = () =>
  within(grid())
    .getAllByRole('row')
    .slice(1)
    .map((r) => /([a-z]\.bin)/.exec(r.textContent ?? '')?.[1])
const rowOf = (name: string) =>
  within(grid())
    .getAllByRole('row')
    .find((r) => r.textContent?.includes(name))!

describe('queue order by keyboard', () => {
  afterEach(() => cleanup())

  it('Alt+Down and Alt+Up move the focused download through the engine', async () => {
    const { engine } = await start(['a.bin', 'b.bin', 'c.bin'])
    fireEvent.focus(rowOf('a.bin'))
    fireEvent.keyDown(rowOf('a.bin'), { key: 'ArrowDown', altKey: true })
    await settle()
    const a = engine.order[1]!
    const [b, c] = [engine.order[0]!, engine.order[2]!]
    expect(moves(engine)).toEqual([[[a], { after: b }]])
    expect(shownNames()).toEqual(['b.bin', 'a.bin', 'c.bin'])
    fireEvent.keyDown(rowOf('a.bin'), { key: 'ArrowDown', altKey: true })
    await settle()
    expect(shownNames()).toEqual(['b.bin', 'c.bin', 'a.bin'])
    // At the end: nothing to pass, nothing sent.
    fireEvent.keyDown(rowOf('a.bin'), { key: 'ArrowDown', altKey: true })
    await settle()
    expect(moves(engine)).toEqual([
      [[a], { after: b }],
      [[a], { after: c }],
    ])
    fireEvent.keyDown(rowOf('a.bin'), { key: 'ArrowUp', altKey: true })
    await settle()
    expect(shownNames()).toEqual(['b.bin', 'a.bin', 'c.bin'])
  })

  it('with a search on, passes the next shown row in the whole queue', async () => {
    const { engine } = await start(['keep-a.bin', 'other-x.bin', 'keep-b.bin', 'other-y.bin'])
    const [a, x, b, y] = engine.order as [string, string, string, string]
    fireEvent.change(screen.getByRole('searchbox', { name: 'Search names and URLs' }), {
      target: { value: 'keep' },
    })
    await settle()
    expect(within(grid()).getAllByRole('row')).toHaveLength(3) // header + 2
    fireEvent.focus(rowOf('keep-a.bin'))
    fireEvent.keyDown(rowOf('keep-a.bin'), { key: 'ArrowDown', altKey: true })
    await settle()
    // a lands just after b, past the hidden x.
    expect(engine.order).toEqual([x, b, a, y])
    expect(moves(engine)).toEqual([[[a], { after: b }]])
  })

  it('with several selected, moves them together with one call per key press', async () => {
    const { engine } = await start(['a.bin', 'b.bin', 'c.bin', 'd.bin', 'e.bin'])
    const [a, b, c, d] = engine.order as [string, string, string, string]
    fireEvent.mouseDown(rowOf('b.bin'), { button: 0 })
    fireEvent.mouseDown(rowOf('c.bin'), { button: 0, shiftKey: true })
    fireEvent.focus(rowOf('c.bin'))
    fireEvent.keyDown(rowOf('c.bin'), { key: 'ArrowDown', altKey: true })
    await settle()
    expect(shownNames()).toEqual(['a.bin', 'd.bin', 'b.bin', 'c.bin', 'e.bin'])
    fireEvent.keyDown(rowOf('c.bin'), { key: 'ArrowUp', altKey: true })
    fireEvent.keyDown(rowOf('c.bin'), { key: 'ArrowUp', altKey: true })
    await settle()
    expect(shownNames()).toEqual(['b.bin', 'c.bin', 'a.bin', 'd.bin', 'e.bin'])
    expect(moves(engine)).toEqual([
      [[b, c], { after: d }],
      [[b, c], { before: d }],
      [[b, c], { before: a }],
    ])
  })
})
