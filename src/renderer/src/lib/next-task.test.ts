import { describe, expect, it } from 'vitest'
import { nextTask, yieldTask } from './next-task.ts'

describe('yieldTask', () => {
  it('resolves in a later task: after the current one and its microtasks', async () => {
    const seen: string[] = []
    const done = yieldTask().then(() => seen.push('yielded'))
    queueMicrotask(() => seen.push('microtask'))
    seen.push('sync')
    await done
    expect(seen).toEqual(['sync', 'microtask', 'yielded'])
  })

  it('runs tasks of one scheduler in the order they were queued', async () => {
    const seen: number[] = []
    const schedule = nextTask()
    await new Promise<void>((resolve) => {
      for (const n of [1, 2, 3]) schedule(() => seen.push(n))
      schedule(resolve)
    })
    expect(seen).toEqual([1, 2, 3])
  })

  it('runs each caller once, in the order they yielded', async () => {
    const seen: number[] = []
    await Promise.all([1, 2, 3].map((n) => yieldTask().then(() => seen.push(n))))
    expect(seen).toEqual([1, 2, 3])
  })
})
