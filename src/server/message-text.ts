import { Buffer } from 'node:buffer'

/**
 * Serializations made, counted (tests hold an event sent to several clients to one).
 */
export const messageTexts = { serialized: 0 }

/** Event frames already made, by payload: the same object is sent to every client. */
const eventFrames = new WeakMap<object, { name: string; frame: Buffer }>()

/**
 * What goes on the socket for a message: JSON text (sent as a text frame). An event's payload
 * is one object shared by every client's port (serveEngine wraps it per client): it is
 * serialized and encoded to UTF-8 once and the same bytes are sent to each, so a 1,000-download
 * `download/changed` (~400 KB) costs one `JSON.stringify` and one encoding however many windows
 * and scripts are connected (`ws` encoded a string again for every socket it was sent on).
 * Replies and per-client payloads (a client's own segment items) are serialized as they come;
 * the WeakMap lets a payload's frame go with the payload.
 */
export function messageFrame(message: unknown): string | Buffer {
  const m = message as { kind?: unknown; name?: unknown; payload?: unknown } | null
  if (
    m === null ||
    typeof m !== 'object' ||
    m.kind !== 'event' ||
    typeof m.name !== 'string' ||
    typeof m.payload !== 'object' ||
    m.payload === null ||
    Object.keys(m).length !== 3
  ) {
    messageTexts.serialized++
    return JSON.stringify(message)
  }
  const made = eventFrames.get(m.payload)
  if (made !== undefined && made.name === m.name) return made.frame
  messageTexts.serialized++
  const frame = Buffer.from(
    `{"kind":"event","name":${JSON.stringify(m.name)},"payload":${JSON.stringify(m.payload)}}`,
  )
  eventFrames.set(m.payload, { name: m.name, frame })
  return frame
}
