/**
 * Serializations made, counted (tests hold an event sent to several clients to one).
 */
export const messageTexts = { serialized: 0 }

/** Event payloads already serialized: the same object is sent to every client. */
const payloadTexts = new WeakMap<object, string>()

/**
 * The JSON text of a message for the socket. An event's payload is one object shared by every
 * client's port (serveEngine wraps it per client): it is serialized once and its text reused,
 * so a 1,000-download `download/changed` (~400 KB) costs one `JSON.stringify` however many
 * windows and scripts are connected. Replies and per-client payloads (a client's own segment
 * items) are serialized as they come; the WeakMap lets a payload's text go with the payload.
 */
export function messageText(message: unknown): string {
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
  let payload = payloadTexts.get(m.payload)
  if (payload === undefined) {
    messageTexts.serialized++
    payload = JSON.stringify(m.payload)
    payloadTexts.set(m.payload, payload)
  }
  return `{"kind":"event","name":${JSON.stringify(m.name)},"payload":${payload}}`
}
