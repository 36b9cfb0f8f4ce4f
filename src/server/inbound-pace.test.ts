import { describe, expect, it } from 'vitest'
import { InboundPace } from './inbound-pace.ts'

describe('InboundPace', () => {
  it('handles one message per scheduled turn, in order', () => {
    const turns: (() => void)[] = []
    const handled: number[] = []
    const pace = new InboundPace<number>(
      (n) => handled.push(n),
      (task) => turns.push(task),
    )
    for (let n = 1; n <= 3; n++) pace.push(n)
    expect(handled).toEqual([])
    expect(turns).toHaveLength(1)
    turns.shift()!()
    expect(handled).toEqual([1])
    pace.push(4)
    expect(turns).toHaveLength(1) // still one turn pending, not one per push
    while (turns.length > 0) turns.shift()!()
    expect(handled).toEqual([1, 2, 3, 4])
  })

  it('lets the loop run between two messages that came in one read', async () => {
    const order: string[] = []
    const done = Promise.withResolvers<void>()
    const pace = new InboundPace<string>((m) => {
      order.push(m)
      // What the first call started (a connection's next step) runs before the second call.
      if (m === 'first') setImmediate(() => order.push('its I/O'))
      if (m === 'second') done.resolve()
    })
    pace.push('first')
    pace.push('second')
    await done.promise
    expect(order).toEqual(['first', 'its I/O', 'second'])
  })

  it('drops what was not handled when cleared, and takes new messages after', () => {
    const turns: (() => void)[] = []
    const handled: string[] = []
    const pace = new InboundPace<string>(
      (m) => handled.push(m),
      (task) => turns.push(task),
    )
    pace.push('a')
    pace.push('b')
    pace.clear()
    while (turns.length > 0) turns.shift()!()
    pace.push('c')
    while (turns.length > 0) turns.shift()!()
    expect(handled).toEqual(['c'])
  })
})
