import { describe, expect, it } from 'vitest'
import { MessageDrain } from './message-drain.ts'

/** A drain on a fake clock whose tasks run when the test says. */
function setup(costMs: number, sliceMs = 30) {
  let clock = 0
  const tasks: (() => void)[] = []
  const delivered: string[] = []
  /** Messages delivered in each task. */
  const perTask: number[] = []
  const drain = new MessageDrain(
    (text) => {
      delivered.push(text)
      perTask[perTask.length - 1]!++
      clock += costMs
    },
    { sliceMs, now: () => clock, schedule: (task) => tasks.push(task) },
  )
  const runTasks = () => {
    while (tasks.length > 0) {
      perTask.push(0)
      tasks.shift()!()
    }
  }
  return { drain, delivered, perTask, runTasks, tasks }
}

describe('MessageDrain', () => {
  it('hands nothing over inside onmessage: the backlog waits for a task of its own', () => {
    const { drain, delivered, tasks } = setup(1)
    drain.push('a')
    drain.push('b')
    expect(delivered).toEqual([])
    expect(tasks).toHaveLength(1)
    expect(drain.backlog).toBe(2)
  })

  it('delivers a backlog in order, in tasks of about the slice, never splitting a message', () => {
    const { drain, delivered, perTask, runTasks } = setup(12)
    const texts = Array.from({ length: 100 }, (_, i) => String(i))
    for (const t of texts) drain.push(t)
    runTasks()
    expect(delivered).toEqual(texts)
    // 12 ms each, 30 ms slices: 3 messages a task (the third crosses the slice), 34 tasks.
    expect(perTask.slice(0, -1).every((n) => n === 3)).toBe(true)
    expect(perTask).toHaveLength(34)
    expect(drain.backlog).toBe(0)
  })

  it('takes messages that arrive while draining in the same order, with one task pending', () => {
    const { drain, delivered, runTasks, tasks } = setup(20)
    drain.push('1')
    drain.push('2')
    drain.push('3')
    tasks.shift()!() // 1 and 2 (40 ms ≥ 30): 3 waits
    drain.push('4')
    expect(tasks).toHaveLength(1)
    runTasks()
    expect(delivered).toEqual(['1', '2', '3', '4'])
  })
})
