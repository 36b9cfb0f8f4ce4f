// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import { App } from '../../app.tsx'
import { resetAppStore } from '../../store/app-store.ts'
import { FakeConnection } from '../../test/fake-connection.ts'
import { FakeEngine } from '../../test/fake-engine.ts'
import { installLayoutShim } from '../../test/layout-shim.ts'

installLayoutShim()

const settle = () => act(() => new Promise<void>((resolve) => setTimeout(resolve, 0)))

async function start(names: string[]) {
  resetAppStore()
  const engine = new FakeEngine()
  await engine.add(names.map((n) => ({ url: `https://files.example/${n}`, paused: true })))
  const connection = new FakeConnection()
  render(<App connection={connection} />)
  await act(async () => connection.connect(engine))
  await settle()
  return { engine }
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
    expect(engine.calls.filter((c) => c.method === 'move').map((c) => c.args[1])).toEqual([1])
    expect(shownNames()).toEqual(['b.bin', 'a.bin', 'c.bin'])
    fireEvent.keyDown(rowOf('a.bin'), { key: 'ArrowDown', altKey: true })
    await settle()
    expect(shownNames()).toEqual(['b.bin', 'c.bin', 'a.bin'])
    // At the end: nothing to pass, nothing sent.
    fireEvent.keyDown(rowOf('a.bin'), { key: 'ArrowDown', altKey: true })
    await settle()
    expect(engine.calls.filter((c) => c.method === 'move')).toHaveLength(2)
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
  })
})
