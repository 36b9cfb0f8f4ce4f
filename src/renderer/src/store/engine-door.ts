import type { EngineApi, EngineMethod } from '../../../shared/protocol/api.ts'
import type { EngineEventName, EngineEvents } from '../../../shared/protocol/events.ts'
import type { EngineClient } from '../../../shared/protocol/rpc.ts'
import { t } from '../strings.ts'
import { currentClient, onClientChange } from './engine-sink.ts'
import { showError } from './ui-actions.ts'

/**
 * The one door from the window's features to the engine. Features never hold the connection
 * (lint forbids it, see eslint.config.js): the client changes with every reconnection, and a
 * feature that kept one would talk to a dead port.
 *
 * The error policy, once: a refusal is shown to the person exactly once, with the engine's own
 * message. `send` shows it in the window's error banner (`The engine refused: …`); `ask` hands
 * it back for a form that shows it beside what was typed, and shows nothing itself. While the
 * engine is not connected both answer without calling it, and `send` shows nothing (the status
 * bar already says so).
 */

/** What an engine method resolves with. */
export type Answer<M extends EngineMethod> = Awaited<ReturnType<EngineApi[M]>>

/** Said by `ask` while no engine is connected (also what a form shows then). */
export const NOT_CONNECTED = 'Not connected to the engine'

/** `ask`'s answer: the engine's value, or why there is none (`code` is null while offline). */
export type Reply<T> =
  | { ok: true; value: T }
  | { ok: false; offline: true; code: null; message: string }
  | { ok: false; offline: false; code: string | null; message: string }

/**
 * Calls an engine method and hands back its answer or its refusal; shows nothing. For a form
 * that shows the refusal where the person typed (a field, a dialog), and for quiet reads whose
 * failure leaves a default in place.
 */
export async function ask<M extends EngineMethod>(
  method: M,
  ...args: Parameters<EngineApi[M]>
): Promise<Reply<Answer<M>>> {
  const client = currentClient()
  if (client === null) return { ok: false, offline: true, code: null, message: NOT_CONNECTED }
  try {
    const call = client[method] as (...a: Parameters<EngineApi[M]>) => Promise<Answer<M>>
    return { ok: true, value: await call.apply(client, args) }
  } catch (error) {
    const code = (error as { code?: unknown })?.code
    return {
      ok: false,
      offline: false,
      code: typeof code === 'string' ? code : null,
      message: (error as Error)?.message ?? String(error),
    }
  }
}

/**
 * Calls an engine method; a refusal is shown in the error banner. Resolves with the answer, or
 * null when refused or offline.
 */
export async function send<M extends EngineMethod>(
  method: M,
  ...args: Parameters<EngineApi[M]>
): Promise<Answer<M> | null> {
  return report(await ask(method, ...args))
}

/** The policy of `send` for a reply gathered otherwise (one add sent in several calls). */
export function report<T>(reply: Reply<T>): T | null {
  if (reply.ok) return reply.value
  if (!reply.offline) showError(t.commandFailed(reply.message))
  return null
}

/**
 * Listens to an engine event on the engine connected now (nothing while offline). The engine
 * forgets a client's listeners with its connection: follow `onLinkChange` to listen again.
 */
export function listen<E extends EngineEventName>(
  name: E,
  listener: (payload: EngineEvents[E]) => void,
): () => void {
  return currentClient()?.on(name, listener) ?? (() => {})
}

const links = new WeakMap<EngineClient, number>()
let nextLink = 1

/**
 * Names the connection in use, or null while offline: a new number with every new client (a
 * reconnection, an engine restart), for what must be asked again of each (segment watches).
 * `useSyncExternalStore(onLinkChange, currentLink)`.
 */
export function currentLink(): number | null {
  const client = currentClient()
  if (client === null) return null
  let link = links.get(client)
  if (link === undefined) {
    link = nextLink++
    links.set(client, link)
  }
  return link
}

/** Calls `listener` whenever `currentLink()` changes. */
export const onLinkChange: (listener: () => void) => () => void = onClientChange

/** True while an engine is connected (a command planned offline is not worth planning). */
export function isConnected(): boolean {
  return currentClient() !== null
}
