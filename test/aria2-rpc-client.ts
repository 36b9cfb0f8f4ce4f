import { WebSocket } from 'ws'

/**
 * A bare aria2 JSON-RPC client for tests, speaking to Downpour and to a real `aria2c` alike:
 * plain fetch for HTTP, `ws` for WebSocket, nothing that would hide a wrong answer.
 */
export type RpcAnswer = {
  status: number
  headers: Headers
  /** The parsed body (a response object, or an array for a batch). */
  body: {
    id?: unknown
    jsonrpc?: string
    result?: unknown
    error?: { code: number; message: string }
  } & Record<string, unknown>
}

export class Aria2TestClient {
  readonly url: string
  readonly secret: string
  #id = 0

  constructor(url: string, secret: string) {
    this.url = url
    this.secret = secret
  }

  /** POSTs one call with the secret first; returns status, headers and body. */
  async post(method: string, ...params: unknown[]): Promise<RpcAnswer> {
    return this.raw({
      jsonrpc: '2.0',
      id: `q${++this.#id}`,
      method,
      params: [`token:${this.secret}`, ...params],
    })
  }

  /** The result of a call, or throws with the error's message. */
  async call<T = unknown>(method: string, ...params: unknown[]): Promise<T> {
    const answer = await this.post(method, ...params)
    if (answer.body.error) throw new Error(answer.body.error.message)
    return answer.body.result as T
  }

  async raw(body: unknown, headers: Record<string, string> = {}): Promise<RpcAnswer> {
    const res = await fetch(this.url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    })
    const text = await res.text()
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : {} }
  }

  /** Polls `tellStatus` until the status is one of `statuses` (20 s at most). */
  async waitStatus(gid: string, statuses: string[]): Promise<Record<string, unknown>> {
    const deadline = Date.now() + 20_000
    for (;;) {
      const s = await this.call<Record<string, unknown>>('aria2.tellStatus', gid)
      if (statuses.includes(s['status'] as string)) return s
      if (Date.now() > deadline)
        throw new Error(`${gid} stayed ${String(s['status'])}, expected ${statuses.join('/')}`)
      await new Promise((r) => setTimeout(r, 50))
    }
  }
}

/** A WebSocket to `/jsonrpc` that records notifications and answers calls by id. */
export class Aria2TestSocket {
  readonly notifications: { method: string; gid: string }[] = []
  #ws: WebSocket
  #pending = new Map<unknown, (body: RpcAnswer['body']) => void>()
  #waiters: (() => void)[] = []
  /** Answers no call waits for (a parse error has id null). */
  #unmatched: RpcAnswer['body'][] = []
  #id = 0

  private constructor(ws: WebSocket) {
    this.#ws = ws
    ws.on('message', (data) => {
      const body = JSON.parse(String(data))
      if (Array.isArray(body)) return
      if (body.method && body.id === undefined) {
        this.notifications.push({ method: body.method, gid: body.params[0].gid })
        for (const w of this.#waiters.splice(0)) w()
        return
      }
      const pending = this.#pending.get(body.id)
      this.#pending.delete(body.id)
      if (pending) pending(body)
      else this.#unmatched.push(body)
      for (const w of this.#waiters.splice(0)) w()
    })
  }

  static open(url: string): Promise<Aria2TestSocket> {
    const ws = new WebSocket(url.replace(/^http/, 'ws'))
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new Aria2TestSocket(ws)))
      ws.once('error', reject)
    })
  }

  send(text: string): void {
    this.#ws.send(text)
  }

  /** Sends one call and resolves with its answer; `binary` sends it as a binary frame. */
  request(body: Record<string, unknown>, binary = false): Promise<RpcAnswer['body']> {
    const id = body['id'] ?? `w${++this.#id}`
    return new Promise((resolve) => {
      this.#pending.set(id, resolve)
      const text = JSON.stringify({ jsonrpc: '2.0', ...body, id })
      this.#ws.send(binary ? Buffer.from(text) : text, { binary })
    })
  }

  /** Resolves when a notification `method` for `gid` has arrived (15 s at most). */
  async waitFor(method: string, gid: string): Promise<void> {
    const deadline = Date.now() + 15_000
    while (!this.notifications.some((n) => n.method === method && n.gid === gid)) {
      if (Date.now() > deadline)
        throw new Error(`no ${method} for ${gid}; got ${JSON.stringify(this.notifications)}`)
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve)
        setTimeout(resolve, 200)
      })
    }
  }

  /** The next answer that matched no call (15 s at most). */
  async nextUnmatched(): Promise<RpcAnswer['body']> {
    const deadline = Date.now() + 15_000
    while (this.#unmatched.length === 0) {
      if (Date.now() > deadline) throw new Error('no unmatched answer')
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve)
        setTimeout(resolve, 200)
      })
    }
    return this.#unmatched.shift()!
  }

  close(): void {
    this.#ws.close()
  }
}
