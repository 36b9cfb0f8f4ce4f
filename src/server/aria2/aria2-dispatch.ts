import { createHash, timingSafeEqual } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { ARIA2_CODES, Aria2Error, httpStatusFor, methodError } from './aria2-error.ts'
import {
  ARIA2_METHODS,
  ARIA2_NOTIFICATIONS,
  SYSTEM_METHOD_NAMES,
  UNAUTHENTICATED_METHODS,
  type Aria2MethodContext,
} from './aria2-methods.ts'
import { Aria2Params } from './aria2-params.ts'

/** A JSON-RPC reply as aria2 writes it, and the HTTP status aria2 gives it. */
export type Aria2Reply = { status: number; body: unknown }

type Outcome = { ok: true; value: unknown } | { ok: false; error: Aria2Error }

export type Aria2DispatcherOptions = {
  context: Aria2MethodContext
  /** aria2's `--rpc-secret`; empty or undefined = no secret (as aria2 without one). */
  secret: string | undefined
  /** How long a wrong or missing secret waits before its answer (aria2: about a second). */
  unauthorizedDelayMs?: number
}

/**
 * aria2's JSON-RPC semantics, independent of the transport: one request, a batch (array) or a
 * `system.multicall`; `token:SECRET` removed from the parameters before the method runs;
 * aria2's error codes and the HTTP status each reply gets.
 */
export class Aria2Dispatcher {
  readonly #ctx: Aria2MethodContext
  readonly #secret: Buffer | null
  readonly #delayMs: number

  constructor(options: Aria2DispatcherOptions) {
    this.#ctx = options.context
    this.#secret = options.secret ? digest(options.secret) : null
    this.#delayMs = options.unauthorizedDelayMs ?? 1000
  }

  /** Answers a parsed message: an object (one call) or an array (a batch). */
  async handle(message: unknown): Promise<Aria2Reply> {
    const call = { unauthorized: false }
    let reply: Aria2Reply
    if (Array.isArray(message)) {
      const requests = message.filter(
        (m) => m !== null && typeof m === 'object' && !Array.isArray(m),
      )
      const body = await Promise.all(requests.map((r) => this.#request(r, call)))
      reply = { status: 200, body: body.map((b) => b.body) }
    } else {
      reply = await this.#request(message, call)
    }
    // One wait per message, however many of its calls had no secret (aria2's brake on guessing).
    if (call.unauthorized) await sleep(this.#delayMs)
    return reply
  }

  async #request(request: unknown, call: { unauthorized: boolean }): Promise<Aria2Reply> {
    if (request === null || typeof request !== 'object' || Array.isArray(request))
      return errorReply(null, new Aria2Error(ARIA2_CODES.invalidRequest, 'Invalid Request.'))
    const r = request as Record<string, unknown>
    if (!('id' in r) || typeof r['method'] !== 'string')
      return errorReply(
        r['id'] ?? null,
        new Aria2Error(ARIA2_CODES.invalidRequest, 'Invalid Request.'),
      )
    const id = r['id']
    const params = r['params'] ?? []
    if (!Array.isArray(params))
      return errorReply(id, new Aria2Error(ARIA2_CODES.invalidParams, 'Invalid params.'))
    const method = r['method']
    if (method === 'system.multicall') {
      const outcome = await this.#multicall(params, call)
      if (!outcome.ok) return errorReply(id, outcome.error)
      return { status: 200, body: { id, jsonrpc: '2.0', result: outcome.value } }
    }
    const outcome = await this.#call(method, params, call)
    if (!outcome.ok) return errorReply(id, outcome.error)
    return { status: 200, body: { id, jsonrpc: '2.0', result: outcome.value } }
  }

  async #multicall(params: unknown[], call: { unauthorized: boolean }): Promise<Outcome> {
    if (params.length === 0)
      return { ok: false, error: methodError('The parameter at 0 is required but missing.') }
    const calls = params[0]
    if (!Array.isArray(calls))
      return { ok: false, error: methodError('The parameter at 0 has wrong type.') }
    const results: unknown[] = []
    // In order, as aria2 does: a multicall may add a download and then ask about it.
    for (const entry of calls) {
      const outcome = await this.#multicallEntry(entry, call)
      results.push(
        outcome.ok ? [outcome.value] : { code: outcome.error.code, message: outcome.error.message },
      )
    }
    return { ok: true, value: results }
  }

  #multicallEntry(entry: unknown, call: { unauthorized: boolean }): Promise<Outcome> | Outcome {
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry))
      return { ok: false, error: methodError('system.multicall expected struct.') }
    const { methodName, params = [] } = entry as { methodName?: unknown; params?: unknown }
    if (typeof methodName !== 'string')
      return { ok: false, error: methodError('Missing methodName.') }
    if (!Array.isArray(params)) return { ok: false, error: methodError('Missing params.') }
    if (methodName === 'system.multicall')
      return { ok: false, error: methodError('Recursive system.multicall forbidden.') }
    return this.#call(methodName, params, call)
  }

  async #call(
    method: string,
    params: unknown[],
    call: { unauthorized: boolean },
  ): Promise<Outcome> {
    let rest = params
    let token: string | null = null
    if (typeof params[0] === 'string' && params[0].startsWith('token:')) {
      token = params[0].slice('token:'.length)
      rest = params.slice(1)
    }
    if (!UNAUTHENTICATED_METHODS.has(method) && !this.#authorized(token)) {
      call.unauthorized = true
      return { ok: false, error: methodError('Unauthorized') }
    }
    try {
      return { ok: true, value: await this.#run(method, rest) }
    } catch (error) {
      if (error instanceof Aria2Error) return { ok: false, error }
      // An engine refusal (DownpourError) or a bug: code 1 with its message, as aria2 reports
      // every failure of a method.
      return { ok: false, error: methodError((error as Error)?.message ?? String(error)) }
    }
  }

  async #run(method: string, params: unknown[]): Promise<unknown> {
    if (method === 'system.listMethods')
      return [...Object.keys(ARIA2_METHODS), ...SYSTEM_METHOD_NAMES]
    if (method === 'system.listNotifications') return [...ARIA2_NOTIFICATIONS]
    const fn = ARIA2_METHODS[method]
    if (!fn) throw methodError(`No such method: ${method}`)
    await this.#ctx.view.ready
    return await fn(new Aria2Params(params), this.#ctx)
  }

  #authorized(token: string | null): boolean {
    if (!this.#secret) return true
    if (token === null) return false
    return timingSafeEqual(digest(token), this.#secret)
  }
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest()
}

export function errorReply(id: unknown, error: Aria2Error): Aria2Reply {
  return {
    status: httpStatusFor(error.code),
    body: { id, jsonrpc: '2.0', error: { code: error.code, message: error.message } },
  }
}
