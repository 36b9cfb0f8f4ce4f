import { describe, expect, it } from 'vitest'
import { Buffer } from 'node:buffer'
import { Emitter } from '../shared/emitter.ts'
import type { EngineEvents } from '../shared/protocol/events.ts'
import { serveEngine, type EventSource, type Port } from '../shared/protocol/rpc.ts'
import type { EngineApi } from '../shared/protocol/api.ts'
import { messageFrame, messageTexts } from './message-text.ts'

const messageText = (message: unknown): string => String(messageFrame(message))

describe('messageFrame', () => {
  it('serializes and encodes an event sent to three clients once, and each frame reads back as the message', () => {
    const events = new Emitter<EngineEvents>()
    const engine = Object.assign({} as EngineApi, {
      on: events.on.bind(events),
    }) as EngineApi & EventSource
    const texts: string[][] = [[], [], []]
    const frames = new Set<unknown>()
    for (const sent of texts) {
      const port: Port = {
        postMessage: (message) => {
          const frame = messageFrame(message)
          frames.add(frame)
          sent.push(String(frame))
        },
        onMessage: () => () => {},
      }
      serveEngine(port, engine)
    }
    const payload: EngineEvents['download/removed'] = { revision: 7, ids: ['a', 'b"\u2028'] }
    const before = messageTexts.serialized
    events.emit('download/removed', payload)
    expect(messageTexts.serialized - before).toBe(1)
    // The same bytes for each client: no encoding per socket.
    expect(frames.size).toBe(1)
    expect([...frames][0]).toBeInstanceOf(Buffer)
    for (const sent of texts) {
      expect(sent).toHaveLength(1)
      expect(JSON.parse(sent[0]!)).toEqual({ kind: 'event', name: 'download/removed', payload })
    }
  })

  it('serializes replies and other messages as they are', () => {
    const before = messageTexts.serialized
    const reply = { kind: 'reply', seq: 1, ok: true, value: { added: [] } }
    expect(JSON.parse(messageText(reply))).toEqual(reply)
    expect(JSON.parse(messageText(reply))).toEqual(reply)
    // An event with a field more than kind, name and payload is not the shared shape.
    const odd = { kind: 'event', name: 'x', payload: {}, extra: 1 }
    expect(JSON.parse(messageText(odd))).toEqual(odd)
    expect(messageTexts.serialized - before).toBe(3)
  })
})
