import { describe, expect, it } from 'vitest'
import { createSessionStore } from './session-store.ts'

function clock() {
  const state = { now: 5_000_000 }
  return { state, now: () => state.now }
}

describe('createSessionStore', () => {
  it('gives unguessable ids: 256 random bits, never twice', () => {
    const store = createSessionStore()
    const ids = new Set(Array.from({ length: 200 }, () => store.create()))
    expect(ids.size).toBe(200)
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/)
  })

  it('refuses unknown, malformed and missing ids', () => {
    const store = createSessionStore()
    const id = store.create()
    expect(store.check(id)).toBe(true)
    for (const bad of [undefined, '', `${id}x`, id.slice(1), 'a'.repeat(43), id.toUpperCase()])
      expect(store.check(bad), String(bad)).toBe(false)
  })

  it('ends a session after the idle time, counted from its last use', () => {
    const { state, now } = clock()
    const store = createSessionStore({ idleMs: 1000, absoluteMs: 100_000, now })
    const id = store.create()
    state.now += 999
    expect(store.check(id)).toBe(true)
    state.now += 999
    expect(store.check(id)).toBe(true)
    state.now += 1000
    expect(store.check(id)).toBe(false)
    // Gone for good, even if the clock went back.
    state.now -= 5000
    expect(store.check(id)).toBe(false)
  })

  it('keeps a held session (an open WebSocket) past the idle time, not past the absolute one', () => {
    const { state, now } = clock()
    const store = createSessionStore({ idleMs: 1000, absoluteMs: 10_000, now })
    const id = store.create()
    store.hold(id)
    state.now += 5000
    expect(store.sweep()).toEqual([])
    expect(store.check(id)).toBe(true)
    store.release(id)
    state.now += 999
    expect(store.check(id)).toBe(true)
    store.hold(id)
    state.now += 4001 // 10,000 since sign-in
    expect(store.sweep()).toEqual([id])
    expect(store.check(id)).toBe(false)
  })

  it('sweeps expired sessions and returns them, leaving live ones', () => {
    const { state, now } = clock()
    const store = createSessionStore({ idleMs: 1000, absoluteMs: 100_000, now })
    const old = store.create()
    state.now += 600
    const fresh = store.create()
    state.now += 600
    expect(store.sweep()).toEqual([old])
    expect(store.size()).toBe(1)
    expect(store.check(fresh)).toBe(true)
  })

  it('ends a session at sign-out', () => {
    const store = createSessionStore()
    const a = store.create()
    const b = store.create()
    store.end(a)
    store.end('not-a-session')
    expect(store.check(a)).toBe(false)
    expect(store.check(b)).toBe(true)
  })

  it('keeps at most maxSessions, dropping the least recently used', () => {
    const store = createSessionStore({ maxSessions: 3 })
    const [a, b, c] = [store.create(), store.create(), store.create()]
    expect(store.check(a)).toBe(true) // a is now the most recent; b the oldest use
    const d = store.create()
    expect(store.size()).toBe(3)
    expect(store.check(b)).toBe(false)
    for (const id of [a, c, d]) expect(store.check(id)).toBe(true)
  })
})
