import * as v from 'valibot'
import type { EngineApi, EngineMethod } from './api.ts'
import { packAdded, unpackAdded } from './added-on-wire.ts'
import { ENGINE_EVENT_NAMES, type EngineEventName, type EngineEvents } from './events.ts'
import { DownpourError, ERROR_CODES, type ErrorCode } from './errors.ts'
import { describeIssues, methodArgsSchemas } from './schemas.ts'
import { Emitter } from '../emitter.ts'

/**
 * One generic RPC for the engine protocol over any message transport: an Electron MessagePort,
 * a WebSocket, a worker port, or an in-memory MessageChannel in tests. Calls carry a sequence
 * number and get exactly one reply; events flow the other way. The serving side validates every
 * call against the protocol schemas, so a compromised or buggy client cannot reach the engine
 * with malformed input.
 */
export type Port = {
  postMessage(message: unknown): void
  /** Subscribes to incoming messages; returns an unsubscribe function. */
  onMessage(listener: (message: unknown) => void): () => void
  /**
   * Optional: tells when the other end went away (a window closed, a socket dropped), so the
   * server can end what this client had asked for (its segment watches) without the host's help.
   */
  onClose?(listener: () => void): () => void
}

const ENGINE_METHODS = Object.keys(methodArgsSchemas) as EngineMethod[]

type CallMessage = { kind: 'call'; seq: number; method: EngineMethod; args: unknown[] }
type ReplyMessage =
  | { kind: 'reply'; seq: number; ok: true; value: unknown }
  | { kind: 'reply'; seq: number; ok: false; error: { code: string; message: string } }
type EventMessage = { kind: 'event'; name: EngineEventName; payload: unknown }

const callSchema = v.object({
  kind: v.literal('call'),
  seq: v.pipe(v.number(), v.integer()),
  method: v.picklist(ENGINE_METHODS),
  args: v.array(v.unknown()),
})

export type EventSource = {
  on<K extends EngineEventName>(event: K, listener: (payload: EngineEvents[K]) => void): () => void
}

/**
 * Serves `engine` on `port`. Returns a function that stops serving (listeners removed, this
 * client's segment watches released); it also runs when the port says it closed.
 *
 * Segment maps are per client: each port keeps the set of downloads it watches, holds one
 * engine watch per id however often it asks, and gets `segments/beat` with only those items —
 * no message at all while it watches nothing, whatever other clients watch.
 */
export function serveEngine(port: Port, engine: EngineApi & EventSource): () => void {
  const watching = new Set<string>()
  let stopped = false
  const offEvents = ENGINE_EVENT_NAMES.map((name) =>
    name === 'segments/beat'
      ? engine.on('segments/beat', (beat) => {
          if (watching.size === 0) return
          const items = beat.items.filter((item) => watching.has(item.id))
          if (items.length > 0)
            port.postMessage({
              kind: 'event',
              name,
              payload: { ...beat, items },
            } satisfies EventMessage)
        })
      : name === 'download/added'
        ? engine.on(name, (payload) =>
            port.postMessage({
              kind: 'event',
              name,
              payload: packAdded(payload),
            } satisfies EventMessage),
          )
        : engine.on(name, (payload) =>
            port.postMessage({ kind: 'event', name, payload } satisfies EventMessage),
          ),
  )
  /** Watch and unwatch are per client: the engine counts clients, not calls. */
  const perClient: Partial<Record<EngineMethod, (id: string) => Promise<unknown>>> = {
    watchSegments: async (id) => {
      if (!watching.has(id)) {
        // Marked before the engine answers: a second call meanwhile must not count twice.
        watching.add(id)
        try {
          return await engine.watchSegments(id)
        } catch (error) {
          watching.delete(id)
          throw error
        }
      }
      // Already watched by this client: answer with the map without counting it again.
      const map = await engine.watchSegments(id)
      await engine.unwatchSegments(id)
      return map
    },
    unwatchSegments: async (id) => {
      if (watching.delete(id)) await engine.unwatchSegments(id)
    },
  }
  const offMessages = port.onMessage(async (message) => {
    const call = v.safeParse(callSchema, message)
    if (!call.success) {
      const seq = (message as { seq?: unknown } | null)?.seq
      if (typeof seq === 'number')
        reply({ kind: 'reply', seq, ok: false, error: invalid(describeIssues(call.issues)) })
      return
    }
    const { seq, method, args } = call.output
    const parsedArgs = v.safeParse(methodArgsSchemas[method], args)
    if (!parsedArgs.success) {
      reply({
        kind: 'reply',
        seq,
        ok: false,
        error: invalid(`${method}: ${describeIssues(parsedArgs.issues)}`),
      })
      return
    }
    try {
      const own = perClient[method]
      const fn = own ?? (engine[method] as (...a: unknown[]) => Promise<unknown>)
      const value = await fn.apply(engine, parsedArgs.output as [string])
      reply({ kind: 'reply', seq, ok: true, value })
    } catch (error) {
      const e =
        error instanceof DownpourError
          ? error.toJSON()
          : { code: ERROR_CODES.internal, message: (error as Error)?.message ?? String(error) }
      reply({ kind: 'reply', seq, ok: false, error: e })
    }
  })
  function reply(message: ReplyMessage): void {
    port.postMessage(message)
  }
  const stop = (): void => {
    if (stopped) return
    stopped = true
    offMessages()
    offClose?.()
    for (const off of offEvents) off()
    for (const id of watching) void engine.unwatchSegments(id).catch(() => {})
    watching.clear()
  }
  const offClose = port.onClose?.(stop)
  return stop
}

function invalid(message: string): { code: string; message: string } {
  return { code: ERROR_CODES.invalidArgument, message }
}

export type EngineClient = EngineApi &
  EventSource & {
    /** Rejects every pending call and stops listening. */
    dispose(): void
  }

/** The client side: the same `EngineApi` as the in-process engine, over a port. */
export function createEngineClient(port: Port): EngineClient {
  const events = new Emitter<EngineEvents>()
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>()
  let seq = 0
  const off = port.onMessage((message) => {
    const m = message as ReplyMessage | EventMessage
    if (m?.kind === 'event' && ENGINE_EVENT_NAMES.includes(m.name)) {
      // The only event packed on the wire (added-on-wire.ts): whole again before anyone hears it.
      const payload = m.name === 'download/added' ? unpackAdded(m.payload) : m.payload
      events.emit(m.name, payload as never)
    } else if (m?.kind === 'reply') {
      const call = pending.get(m.seq)
      if (!call) return
      pending.delete(m.seq)
      if (m.ok) call.resolve(m.value)
      else call.reject(new DownpourError(m.error.code as ErrorCode, m.error.message))
    }
  })
  const call =
    (method: EngineMethod) =>
    (...args: unknown[]): Promise<never> =>
      new Promise((resolve, reject) => {
        const id = ++seq
        pending.set(id, { resolve: resolve as (value: unknown) => void, reject })
        // Trailing undefined arguments are dropped so tuples validate as sent by a person.
        while (args.length > 0 && args[args.length - 1] === undefined) args.pop()
        port.postMessage({ kind: 'call', seq: id, method, args } satisfies CallMessage)
      })
  const client = Object.fromEntries(ENGINE_METHODS.map((m) => [m, call(m)])) as unknown as EngineApi
  return Object.assign(client, {
    on: events.on.bind(events),
    dispose() {
      off()
      for (const { reject } of pending.values())
        reject(new DownpourError(ERROR_CODES.cancelled, 'connection closed'))
      pending.clear()
    },
  }) as EngineClient
}
