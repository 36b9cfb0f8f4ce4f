import { afterEach, describe, expect, it, vi } from 'vitest'
import { Emitter } from './emitter.ts'

type Events = { progress: number; done: { id: string }; other: string }

afterEach(() => {
  vi.restoreAllMocks()
})

describe('Emitter', () => {
  it('calls listeners in the order they subscribed, with the payload', () => {
    const emitter = new Emitter<Events>()
    const calls: string[] = []
    emitter.on('progress', (n) => calls.push(`a${n}`))
    emitter.on('progress', (n) => calls.push(`b${n}`))
    emitter.on('other', (s) => calls.push(`other ${s}`))
    emitter.on('progress', (n) => calls.push(`c${n}`))
    emitter.emit('progress', 1)
    emitter.emit('progress', 2)
    expect(calls).toEqual(['a1', 'b1', 'c1', 'a2', 'b2', 'c2'])
  })

  it('emitting an event nobody listens to is a no-op', () => {
    const emitter = new Emitter<Events>()
    expect(() => emitter.emit('done', { id: 'x' })).not.toThrow()
    expect(emitter.listenerCount('done')).toBe(0)
  })

  it('unsubscribes only the given listener', () => {
    const emitter = new Emitter<Events>()
    const a = vi.fn()
    const b = vi.fn()
    const offA = emitter.on('done', a)
    emitter.on('done', b)
    expect(emitter.listenerCount('done')).toBe(2)
    offA()
    offA()
    expect(emitter.listenerCount('done')).toBe(1)
    emitter.emit('done', { id: '1' })
    expect(a).not.toHaveBeenCalled()
    expect(b).toHaveBeenCalledWith({ id: '1' })
  })

  it('subscribing the same function twice delivers once', () => {
    const emitter = new Emitter<Events>()
    const a = vi.fn()
    emitter.on('progress', a)
    emitter.on('progress', a)
    emitter.emit('progress', 5)
    expect(a).toHaveBeenCalledTimes(1)
  })

  it('changes made while emitting apply from the next emit', () => {
    const emitter = new Emitter<Events>()
    const calls: string[] = []
    const late = () => calls.push('late')
    let offB = () => {}
    emitter.on('progress', () => {
      calls.push('a')
      offB()
      emitter.on('progress', late)
    })
    offB = emitter.on('progress', () => calls.push('b'))
    emitter.emit('progress', 1)
    expect(calls).toEqual(['a', 'b'])
    calls.length = 0
    emitter.emit('progress', 2)
    expect(calls).toEqual(['a', 'late'])
  })

  it('a throwing listener does not stop the others or the caller; its error is rethrown later', () => {
    const deferred: Array<() => void> = []
    vi.spyOn(globalThis, 'queueMicrotask').mockImplementation((callback) => {
      deferred.push(callback)
    })
    const emitter = new Emitter<Events>()
    const boom = new Error('listener failed')
    const after = vi.fn()
    emitter.on('progress', () => {
      throw boom
    })
    emitter.on('progress', after)

    expect(() => emitter.emit('progress', 42)).not.toThrow()
    expect(after).toHaveBeenCalledWith(42)
    // The error is not swallowed: it surfaces from a microtask, outside the emitter's caller.
    expect(deferred).toHaveLength(1)
    expect(() => deferred[0]!()).toThrow(boom)
  })

  it('the rethrown error really reaches the process as an uncaught exception', async () => {
    const boom = new Error('reported later')
    // Take over uncaught-exception handling for this test only (vitest's own handler included).
    const previous = process.listeners('uncaughtException')
    process.removeAllListeners('uncaughtException')
    const seen: unknown[] = []
    const capture = (error: unknown) => seen.push(error)
    process.on('uncaughtException', capture)
    try {
      const emitter = new Emitter<Events>()
      const after = vi.fn()
      emitter.on('other', () => {
        throw boom
      })
      emitter.on('other', after)
      emitter.emit('other', 'x')
      expect(after).toHaveBeenCalled()
      await new Promise((resolve) => setTimeout(resolve, 10))
    } finally {
      process.off('uncaughtException', capture)
      for (const listener of previous) process.on('uncaughtException', listener)
    }
    expect(seen).toEqual([boom])
  })
})
