// @vitest-environment happy-dom
import { act, cleanup, fireEvent, screen, within } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import { resetAppStore } from '../../store/app-store.ts'
import { FakeEngine } from '../../test/fake-engine.ts'
import { mountApp, settle } from '../../test/mount-app.tsx'
import { installLayoutShim } from '../../test/layout-shim.ts'
import { useUiPreferences } from '../settings/ui-preferences.ts'
import { dragOverRow, dropRows, startRowDrag, useRowDrag } from './row-drag.ts'

installLayoutShim()

async function start(names: string[]) {
  resetAppStore()
  useUiPreferences.setState({ preferences: null })
  useRowDrag.setState({ dragging: null, target: null, hint: null })
  const engine = new FakeEngine()
  await engine.add(names.map((n) => ({ url: `https://files.example/${n}`, paused: true })))
  await mountApp(engine)
  return { engine }
}

const grid = () => screen.getByRole('grid', { name: 'Downloads' })
const shownNames = () =>
  within(grid())
    .getAllByRole('row')
    .slice(1)
    .map((r) => /([a-z]+-\d+\.bin)/.exec(r.textContent ?? '')?.[1])
const header = (name: string) => within(grid()).getByRole('columnheader', { name })

describe('sorting by a column header', () => {
  afterEach(() => cleanup())

  it('sorts, reverses, returns to queue order, and keeps the choice in the engine', async () => {
    const { engine } = await start(['part-2.bin', 'part-10.bin', 'part-1.bin'])
    expect(header('Name').getAttribute('aria-sort')).toBeNull()
    fireEvent.click(within(header('Name')).getByRole('button', { name: 'Name' }))
    await settle()
    expect(header('Name').getAttribute('aria-sort')).toBe('ascending')
    expect(shownNames()).toEqual(['part-1.bin', 'part-2.bin', 'part-10.bin'])
    expect((await engine.uiPreferences()).sort).toEqual({ column: 'name', direction: 'asc' })

    fireEvent.click(within(header('Name')).getByRole('button', { name: 'Name' }))
    await settle()
    expect(header('Name').getAttribute('aria-sort')).toBe('descending')
    expect(shownNames()).toEqual(['part-10.bin', 'part-2.bin', 'part-1.bin'])

    fireEvent.click(within(header('Name')).getByRole('button', { name: 'Name' }))
    await settle()
    expect(header('Name').getAttribute('aria-sort')).toBeNull()
    expect(shownNames()).toEqual(['part-2.bin', 'part-10.bin', 'part-1.bin'])
    expect((await engine.uiPreferences()).sort).toEqual({ column: 'queue', direction: 'asc' })
  })

  it('follows a sort chosen in another window, and sorts by keys without a column', async () => {
    const { engine } = await start(['part-2.bin', 'part-10.bin', 'part-1.bin'])
    await act(() => engine.updateUiPreferences({ sort: { column: 'name', direction: 'desc' } }))
    await settle()
    expect(shownNames()).toEqual(['part-10.bin', 'part-2.bin', 'part-1.bin'])
    const select = screen.getByRole('combobox', { name: 'Sort by' }) as HTMLSelectElement
    expect(select.value).toBe('name:desc')
    fireEvent.change(select, { target: { value: 'size:asc' } })
    await settle()
    expect((await engine.uiPreferences()).sort).toEqual({ column: 'size', direction: 'asc' })
    expect(header('Name').getAttribute('aria-sort')).toBeNull()
    fireEvent.change(screen.getByRole('combobox', { name: 'Sort by' }), {
      target: { value: 'queue:asc' },
    })
    await settle()
    expect(shownNames()).toEqual(['part-2.bin', 'part-10.bin', 'part-1.bin'])
  })

  it('while sorted, a drag or Alt+arrow moves nothing and says why', async () => {
    const { engine } = await start(['part-2.bin', 'part-10.bin', 'part-1.bin'])
    fireEvent.click(within(header('Name')).getByRole('button', { name: 'Name' }))
    await settle()
    const rowOf = (name: string) =>
      within(grid())
        .getAllByRole('row')
        .find((r) => r.textContent?.includes(name))!
    fireEvent.focus(rowOf('part-1.bin'))
    fireEvent.keyDown(rowOf('part-1.bin'), { key: 'ArrowDown', altKey: true })
    await settle()
    expect(engine.calls.filter((c) => c.method === 'move' || c.method === 'moveMany')).toEqual([])
    expect(screen.getByText(/sorted by name; queue order can be changed only/)).toBeTruthy()
    expect(startRowDrag(engine.order[0]!)).toBeNull()
    fireEvent.click(screen.getByRole('button', { name: 'Show queue order' }))
    await settle()
    expect(header('Name').getAttribute('aria-sort')).toBeNull()
    expect(screen.queryByText(/queue order can be changed only/)).toBeNull()
  })
})

describe('queue order by drag', () => {
  afterEach(() => cleanup())

  it('drops the selected downloads together after the target, through the engine', async () => {
    const { engine } = await start(['a-1.bin', 'b-2.bin', 'c-3.bin', 'd-4.bin'])
    const [a, b, c, d] = engine.order as [string, string, string, string]
    const rowOf = (name: string) =>
      within(grid())
        .getAllByRole('row')
        .find((r) => r.textContent?.includes(name))!
    fireEvent.mouseDown(rowOf('a-1.bin'), { button: 0 })
    fireEvent.mouseDown(rowOf('b-2.bin'), { button: 0, ctrlKey: true })
    expect(startRowDrag(b)).toEqual([a, b])
    act(() => dragOverRow({ id: c, where: 'after' }))
    expect(rowOf('c-3.bin').dataset['drop']).toBe('after')
    // Over a dragged row: no indicator (nothing would change).
    act(() => dragOverRow({ id: a, where: 'before' }))
    expect(rowOf('c-3.bin').dataset['drop']).toBeUndefined()
    act(() => dragOverRow({ id: c, where: 'after' }))
    await act(() => dropRows())
    await settle()
    expect(engine.order).toEqual([c, a, b, d])
    // One call for the whole selection.
    expect(engine.calls.filter((x) => x.method === 'moveMany' || x.method === 'move')).toEqual([
      { method: 'moveMany', args: [[a, b], { after: c }] },
    ])
    expect(shownNames()).toEqual(['c-3.bin', 'a-1.bin', 'b-2.bin', 'd-4.bin'])
    expect(rowOf('c-3.bin').dataset['drop']).toBeUndefined()
  })
})
