import { describe, expect, it } from 'vitest'
import { OutboundFlow } from './outbound-flow.ts'

const bounds = { beat: 100, state: 1000, hard: 10_000 }
const beat = (seq: number, items: [string, number][], revision = 1) => ({
  kind: 'event',
  name: 'progress/beat',
  payload: {
    seq,
    at: seq,
    revision,
    speed: seq,
    active: items.length,
    items: items.map(([id, done]) => ({ id, done, size: 100, speed: 1, eta: 1, connections: 1 })),
  },
})
const changed = (revision: number) => ({
  kind: 'event',
  name: 'download/changed',
  payload: { revision },
})
const reply = { kind: 'reply', seq: 1, ok: true, value: null }

describe('OutboundFlow', () => {
  it('sends everything as it comes while the client keeps up', () => {
    const flow = new OutboundFlow(bounds)
    for (const message of [beat(1, [['a', 1]]), changed(2), reply])
      expect(flow.offer(message, 0)).toEqual({ action: 'send', messages: [message] })
  })

  it('merges beats while the buffer is full: one beat, latest figures per download', () => {
    const flow = new OutboundFlow(bounds)
    expect(
      flow.offer(
        beat(1, [
          ['a', 1],
          ['b', 1],
        ]),
        500,
      ).action,
    ).toBe('held')
    expect(flow.offer(beat(2, [['a', 2]]), 500).action).toBe('held')
    expect(flow.offer(beat(3, [['c', 3]]), 500).action).toBe('held')
    expect(flow.drain(500)).toBeNull()
    const merged = flow.drain(0) as ReturnType<typeof beat>
    expect(merged.payload.seq).toBe(3)
    expect(merged.payload.items.map((i) => [i.id, i.done])).toEqual([
      ['a', 2],
      ['b', 1],
      ['c', 3],
    ])
    expect(flow.holding).toBe(false)
    expect(flow.drain(0)).toBeNull()
  })

  it('holds at most one beat however many come (memory stays bounded)', () => {
    const flow = new OutboundFlow(bounds)
    for (let seq = 1; seq <= 10_000; seq++) flow.offer(beat(seq, [[`d${seq % 200}`, seq]]), 500)
    const merged = flow.drain(0) as ReturnType<typeof beat>
    expect(merged.payload.items).toHaveLength(200)
    expect(merged.payload.seq).toBe(10_000)
  })

  it('sends a held beat before a state event, so revisions never go backwards', () => {
    const flow = new OutboundFlow(bounds)
    flow.offer(beat(1, [['a', 1]], 5), 500)
    const offer = flow.offer(changed(6), 500)
    expect(offer.action).toBe('send')
    if (offer.action !== 'send') return
    expect(offer.messages).toHaveLength(2)
    expect((offer.messages[0] as ReturnType<typeof beat>).payload.seq).toBe(1)
    expect(offer.messages[1]).toEqual(changed(6))
  })

  it('drops state events past the state bound; the next beat carries the revision gap', () => {
    const flow = new OutboundFlow(bounds)
    expect(flow.offer(changed(2), 5000)).toEqual({ action: 'dropped' })
    expect(flow.offer(beat(1, [], 2), 5000).action).toBe('held')
    expect((flow.drain(0) as ReturnType<typeof beat>).payload.revision).toBe(2)
  })

  it('closes a client that lets even replies pile up past the hard bound', () => {
    const flow = new OutboundFlow(bounds)
    expect(flow.offer(reply, 20_000)).toEqual({ action: 'close' })
    expect(flow.offer(reply, 5000).action).toBe('send')
  })
})
