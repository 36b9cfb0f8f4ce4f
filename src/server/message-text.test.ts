import { describe, expect, it } from 'vitest'
import { Emitter } from '../shared/emitter.ts'
import type { EngineEvents } from '../shared/protocol/events.ts'
import { serveEngine, type EventSource, type Port } from '../shared/protocol/rpc.ts'
import type { EngineApi } from '../shared/protocol/api.ts'
import { messageText, messageTexts } from './message-text.ts'

describe('messageText', () => {
  it('serializes an event sent to three clients once, and each text reads back as the message', () => {
    const events = new Emitter<EngineEvents>()
    const engine = Object.assign({} as EngineApi, {
      on: events.on.bind(events),
    }) as EngineApi & EventSource
    const texts: string[][] = [[], [], []]
    for (const sent of texts) {
      const port: Port = {
        postMessage: (message) => sent.push(messageText(message)),
        onMessage: () => () => {},
      }
      serveEngine(port, engine)
    }
    const payload: EngineEvents['download/removed'] = { revision: 7, ids: ['a', 'b"\u2028'] }
    const before = messageTexts.serialized
    events.emit('download/removed', payload)
    expect(messageTexts.serialized - before).toBe(1)
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
