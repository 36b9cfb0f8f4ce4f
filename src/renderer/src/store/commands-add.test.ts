import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { EVENT_ROWS } from '../../../shared/protocol/events.ts'
import { FakeEngine } from '../test/fake-engine.ts'
import { resetAppStore } from './app-store.ts'
import { add } from './commands.ts'
import { bindClient } from './engine-sink.ts'

const settle = () => new Promise((resolve) => setTimeout(resolve, 0))

describe('commands.add of a long list', () => {
  let engine: FakeEngine
  let unbind: () => void
  beforeEach(async () => {
    resetAppStore()
    engine = new FakeEngine()
    unbind = bindClient(engine)
    await settle()
  })
  afterEach(() => unbind())

  it('goes as calls of EVENT_ROWS in order, its refusals indexed into the whole list', async () => {
    const requests = Array.from({ length: 2500 }, (_, i) => ({ url: `https://a.example/${i}.iso` }))
    requests[1600] = { url: 'https://a.example/200.iso' } // a duplicate of one in the first call
    requests[2100] = { url: 'not a url' }
    const result = await add(requests)
    const calls = engine.calls.filter((c) => c.method === 'add')
    expect(calls.map((c) => (c.args[0] as unknown[]).length)).toEqual([EVENT_ROWS, EVENT_ROWS, 500])
    expect(result!.rejected.map((r) => r.index)).toEqual([1600, 2100])
    expect(result!.rejected[0]!.url).toBe('https://a.example/200.iso')
    expect(result!.added).toHaveLength(2498)
    const expected = requests.filter((_, i) => i !== 1600 && i !== 2100).map((r) => r.url)
    expect(
      engine.order.map((id) => engine.snapshotNow().downloads.find((d) => d.id === id)!.url),
    ).toEqual(expected)
  })

  it("with { answer: 'ids' } every call asks for ids: the answer names the new downloads in order, in full nowhere", async () => {
    const requests = Array.from({ length: 2100 }, (_, i) => ({ url: `https://a.example/${i}.iso` }))
    requests[1500] = { url: 'not a url' }
    const result = await add(requests, { answer: 'ids' })
    const calls = engine.calls.filter((c) => c.method === 'add')
    expect(calls.map((c) => c.args[1])).toEqual([
      { answer: 'ids' },
      { answer: 'ids' },
      { answer: 'ids' },
    ])
    expect(result!.added).toEqual([])
    expect(result!.rejected.map((r) => r.index)).toEqual([1500])
    expect(result!.ids).toEqual(engine.order)
    expect(result!.ids).toHaveLength(2099)
  })

  it('sends the first call at once and each next one in a later task (no task sends them all)', async () => {
    const requests = Array.from({ length: 2500 }, (_, i) => ({ url: `https://a.example/${i}.iso` }))
    const adds = () => engine.calls.filter((c) => c.method === 'add').length
    const result = add(requests, { answer: 'ids' })
    expect(adds()).toBe(1)
    // Microtasks alone do not send the next one: it waits for a task of its own.
    for (let i = 0; i < 20; i++) await Promise.resolve()
    expect(adds()).toBe(1)
    expect((await result)!.ids).toHaveLength(2500)
    expect(adds()).toBe(3)
  })

  it('sends a list of EVENT_ROWS or fewer as one call', async () => {
    await add([{ url: 'https://a.example/1.iso' }, { url: 'https://a.example/2.iso' }])
    expect(engine.calls.filter((c) => c.method === 'add')).toHaveLength(1)
  })
})
