import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createStore } from 'zustand/vanilla'
import { MessageDrain } from '../lib/connection/message-drain.ts'
import { FakeEngine } from '../test/fake-engine.ts'
import { publishGate, resetAppStore, useAppStore } from './app-store.ts'
import { bindClient } from './engine-sink.ts'
import { PublishGate } from './publish-gate.ts'
import { selectAll } from './ui-actions.ts'

/** The end of the current task and of the tasks already queued. */
const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0))

/** A gate on a fake clock whose timers run when the test moves the clock. */
function setup(gapMs = 100) {
  let clock = 1000
  const timers: { at: number; task: () => void }[] = []
  const gate = new PublishGate<{ n: number }>()
  const store = gate.wrap(createStore<{ n: number }>()(() => ({ n: 0 })))
  gate.enable({
    gapMs,
    now: () => clock,
    later: (task, ms) => {
      const timer = { at: clock + ms, task }
      timers.push(timer)
      return () => void timers.splice(timers.indexOf(timer) >>> 0, 1)
    },
  })
  const heard: { n: number; previous: number }[] = []
  store.subscribe((state, previous) => heard.push({ n: state.n, previous: previous.n }))
  /** Moves the clock on by `ms`, running the timers that come due (in order). */
  const advance = (ms = 0) => {
    clock += ms
    for (;;) {
      const due = timers.filter((t) => t.at <= clock).sort((a, b) => a.at - b.at)[0]
      if (due === undefined) return
      timers.splice(timers.indexOf(due), 1)
      due.task()
    }
  }
  /** What the engine sink does for one message. */
  const engineChange = () => {
    gate.holdForTask()
    store.setState((s) => ({ n: s.n + 1 }))
  }
  return { gate, store, heard, timers, advance, engineChange }
}

describe('PublishGate', () => {
  it('publishes the changes of N slices of messages inside one frame (and one gap) as one notification', async () => {
    const { store, heard, advance, engineChange } = setup()
    // The page's real drain: one message a slice (every message outlasts the slice), each
    // slice a task of its own.
    let clock = 0
    const drain = new MessageDrain(
      () => {
        engineChange()
        clock += 40
      },
      { sliceMs: 30, now: () => clock, schedule: (task) => setTimeout(task, 0) },
    )
    for (let i = 0; i < 8; i++) drain.push(String(i))
    for (let i = 0; i < 8; i++) await nextTask()
    expect(drain.backlog).toBe(0)
    // Every change is in the store, in order; nobody heard of any of them yet.
    expect(store.getState().n).toBe(8)
    expect(heard).toEqual([])
    advance(16)
    expect(heard).toEqual([{ n: 8, previous: 0 }])
    advance(1000)
    expect(heard).toHaveLength(1)
  })

  it('publishes a lone engine change in the next task when the last publication is old', async () => {
    const { heard, timers, advance, engineChange } = setup()
    engineChange()
    await nextTask()
    expect(heard).toEqual([])
    expect(timers).toHaveLength(1)
    advance(0)
    expect(heard).toEqual([{ n: 1, previous: 0 }])
  })

  it('keeps changes that keep coming to one publication per gap', async () => {
    const { heard, advance, engineChange } = setup(100)
    engineChange()
    await nextTask()
    advance(0)
    expect(heard).toHaveLength(1)
    // Six frames of 16 ms with a slice of messages in each: 96 ms, under the gap.
    for (let i = 0; i < 6; i++) {
      engineChange()
      await nextTask()
      advance(16)
    }
    expect(heard).toHaveLength(1)
    advance(4) // 100 ms after the first publication
    expect(heard).toEqual([
      { n: 1, previous: 0 },
      { n: 7, previous: 1 },
    ])
  })

  it('publishes a change the engine did not make at once, with the engine changes that waited', async () => {
    const { store, heard, timers, engineChange } = setup()
    engineChange()
    engineChange()
    await nextTask()
    expect(heard).toEqual([])
    store.setState((s) => ({ n: s.n + 10 })) // a click, in a task of its own
    expect(heard).toEqual([{ n: 12, previous: 0 }])
    // Nothing waits any more: the timer that was set is given back.
    expect(timers).toHaveLength(0)
  })

  it('publishes every change at once until enabled', () => {
    const gate = new PublishGate<{ n: number }>()
    const store = gate.wrap(createStore<{ n: number }>()(() => ({ n: 0 })))
    let heard = 0
    store.subscribe(() => heard++)
    gate.holdForTask()
    store.setState({ n: 1 })
    store.setState({ n: 2 })
    expect(heard).toBe(2)
  })
})

describe('the page store behind the gate', () => {
  let engine: FakeEngine
  let unbind: (() => void) | undefined
  const timers: (() => void)[] = []
  beforeEach(() => {
    resetAppStore()
    engine = new FakeEngine()
    engine.settings.maxConcurrentDownloads = 2
    publishGate.enable({
      gapMs: 0,
      later: (task) => {
        timers.push(task)
        return () => void timers.splice(timers.indexOf(task) >>> 0, 1)
      },
    })
  })
  afterEach(() => {
    unbind?.()
    publishGate.disable()
    timers.length = 0
  })

  it('hears of engine events of several tasks once, with the state current all along', async () => {
    unbind = bindClient(engine)
    await nextTask()
    timers.splice(0).forEach((task) => task())
    let updates = 0
    const off = useAppStore.subscribe(() => updates++)
    for (let i = 0; i < 5; i++) {
      await engine.add([{ url: `https://a.example/${i}.iso` }])
      await nextTask()
    }
    engine.beat()
    await nextTask()
    expect(useAppStore.getState().view.counts.all).toBe(5)
    expect(updates).toBe(0)
    timers.splice(0).forEach((task) => task())
    expect(updates).toBe(1)
    // A person's action is not held: heard at once.
    selectAll()
    expect(updates).toBe(2)
    off()
  })
})
