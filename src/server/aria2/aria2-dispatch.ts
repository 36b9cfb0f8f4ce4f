import { createHash, timingSafeEqual } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { processAuthThrottle, type AuthThrottle } from './aria2-auth-throttle.ts'
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

/** A reply, and whether the message proved the secret (a WebSocket then gets notifications). */
export type Aria2Answer = Aria2Reply & { authorized: boolean }

/** aria2 clients send tens of calls at once; more is a flood (each answer costs memory). */
export const MAX_BATCH_CALLS = 1000

type Outcome = { ok: true; value: unknown } | { ok: false; error: Aria2Error }

/** What one message's calls learnt about its secret. */
type CallState = { unauthorized: boolean; authorized: boolean }

/**
 * JSON-RPC's ids: a string, a number or null. Anything else (an array, an object) is echoed by
 * no reply: a 6,000-deep array once overflowed the stack of the JSON.stringify writing it back.
 */
function isValidId(id: unknown): boolean {
  return id === null || typeof id === 'string' || typeof id === 'number'
}

/** The calls a batch would run: each request, or each entry of a `system.multicall`. */
function callsIn(batch: readonly unknown[]): number {
  let count = 0
  for (const r of batch) {
    const request = r as { method?: unknown; params?: unknown } | null
    const calls =
      request?.method === 'system.multicall' && Array.isArray(request.params)
        ? (request.params as unknown[])[0]
        : undefined
    count += Array.isArray(calls) ? Math.max(1, calls.length) : 1
    if (count > MAX_BATCH_CALLS) break
  }
  return count
}

function invalidRequest(detail = ''): Aria2Reply {
  return errorReply(null, new Aria2Error(ARIA2_CODES.invalidRequest, `Invalid Request.${detail}`))
}

export type Aria2DispatcherOptions = {
  context: Aria2MethodContext
  /** aria2's `--rpc-secret`; empty or undefined = no secret (as aria2 without one). */
  secret: string | undefined
  /** How long a wrong or missing secret waits before its answer (aria2: about a second). */
  unauthorizedDelayMs?: number
  /** Counts wrong secrets; default: the one shared by the whole process. */
  throttle?: AuthThrottle
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
  readonly #throttle: AuthThrottle

  constructor(options: Aria2DispatcherOptions) {
    this.#ctx = options.context
    this.#secret = options.secret ? digest(options.secret) : null
    this.#delayMs = options.unauthorizedDelayMs ?? 1000
    this.#throttle = options.throttle ?? processAuthThrottle
  }

  /** Answers a parsed message: an object (one call) or an array (a batch). */
  async handle(message: unknown): Promise<Aria2Answer> {
    const call: CallState = { unauthorized: false, authorized: false }
    let reply: Aria2Reply
    if (Array.isArray(message)) {
      // Refused whole, with one small answer: a flood must not cost an answer per call.
      if (callsIn(message) > MAX_BATCH_CALLS)
        return {
          ...invalidRequest(
            ` A batch may hold at most ${MAX_BATCH_CALLS} calls, system.multicall entries included.`,
          ),
          authorized: false,
        }
      const requests = message.filter(
        (m) => m !== null && typeof m === 'object' && !Array.isArray(m),
      )
      // Each call checks its secret before its first await: in batch order, so the throttle
      // sees a batch's guesses one after the other.
      const body = await Promise.all(requests.map((r) => this.#request(r, call)))
      reply = { status: 200, body: body.map((b) => b.body) }
    } else {
      reply = await this.#request(message, call)
    }
    // One wait per message, however many of its calls had no secret (aria2's brake on guessing).
    if (call.unauthorized) await sleep(this.#delayMs)
    return { ...reply, authorized: call.authorized }
  }

  async #request(request: unknown, call: CallState): Promise<Aria2Reply> {
    if (request === null || typeof request !== 'object' || Array.isArray(request))
      return invalidRequest()
    const r = request as Record<string, unknown>
    if (!('id' in r) || !isValidId(r['id']) || typeof r['method'] !== 'string')
      return invalidRequest()
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

  async #multicall(params: unknown[], call: CallState): Promise<Outcome> {
    if (params.length === 0)
      return { ok: false, error: methodError('The parameter at 0 is required but missing.') }
    const calls = params[0]
    if (!Array.isArray(calls))
      return { ok: false, error: methodError('The parameter at 0 has wrong type.') }
    if (calls.length > MAX_BATCH_CALLS)
      return {
        ok: false,
        error: methodError(`system.multicall may hold at most ${MAX_BATCH_CALLS} calls.`),
      }
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

  #multicallEntry(entry: unknown, call: CallState): Promise<Outcome> | Outcome {
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

  async #call(method: string, params: unknown[], call: CallState): Promise<Outcome> {
    let rest = params
    let token: string | null = null
    if (typeof params[0] === 'string' && params[0].startsWith('token:')) {
      token = params[0].slice('token:'.length)
      rest = params.slice(1)
    }
    if (!UNAUTHENTICATED_METHODS.has(method)) {
      const refusal = this.#authorize(token)
      if (refusal) {
        call.unauthorized = true
        return { ok: false, error: methodError(refusal) }
      }
      call.authorized = true
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

  /** null when `token` is the secret; else the refusal's message. */
  #authorize(token: string | null): string | null {
    if (!this.#secret) return null
    const locked = this.#throttle.lockedFor()
    // While locked, no secret is even compared: the right one in a burst of guesses says nothing.
    if (locked > 0)
      return (
        'Unauthorized: too many wrong secrets in a short time; every secret is refused for ' +
        `${Math.ceil(locked / 1000)} s more`
      )
    // No secret at all is a client that was not set up, not a guess: it is not counted.
    if (token === null) return 'Unauthorized'
    if (timingSafeEqual(digest(token), this.#secret)) return null
    this.#throttle.fail()
    return 'Unauthorized'
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
