import type { Page } from '@playwright/test'

/**
 * The DOM this file's page functions touch. e2e code is typechecked with Node's lib (see
 * browser-globals.ts), so page functions read these from `globalThis as unknown as Dom`.
 */
type Element = {
  [property: string]: unknown
  append(...children: Element[]): void
  submit(): void
}
type Dom = {
  document: { createElement(tag: string): Element; body: Element }
  Image: new () => { onload: (() => void) | null; onerror: (() => void) | null; src: string }
  [callback: string]: unknown
}

// What a web page can do to a loopback port without any help: each helper runs one trick inside
// the attacker's page (page.evaluate), so the browser applies its real rules (CORS, no-cors,
// Origin on WebSockets, cookies sent to same-site ports) and reports only what a page may see.

/** What a page learns from a request: a readable answer, an opaque one, or a network error. */
export type Seen =
  { status: number; text: string; length: number } | { opaque: true } | { failed: string }

/** A CORS-simple POST (text/plain: no preflight), as `fetch` or XHR send it from any page. */
export function postText(page: Page, url: string, body: string): Promise<Seen> {
  return page.evaluate(
    async ({ url, body }): Promise<Seen> => {
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'Content-Type': 'text/plain' },
          body,
        })
        const text = await res.text()
        return { status: res.status, text: text.slice(0, 4096), length: text.length }
      } catch (error) {
        return { failed: String(error) }
      }
    },
    { url, body },
  )
}

/** The same POSTs many times at once (a browser sends six per host at a time, queues the rest). */
export function postTextMany(page: Page, url: string, bodies: string[]): Promise<Seen[]> {
  return page.evaluate(
    ({ url, bodies }) =>
      Promise.all(
        bodies.map(async (body): Promise<Seen> => {
          try {
            const res = await fetch(url, { method: 'POST', body })
            const text = await res.text()
            return { status: res.status, text: text.slice(0, 4096), length: text.length }
          } catch (error) {
            return { failed: String(error) }
          }
        }),
      ),
    { url, bodies },
  )
}

/** A `no-cors` fetch: sent with any simple body and the page's cookies; the answer is opaque. */
export function postNoCors(
  page: Page,
  url: string,
  body: string,
  credentials: 'include' | 'omit' = 'include',
): Promise<Seen> {
  return page.evaluate(
    async ({ url, body, credentials }): Promise<Seen> => {
      try {
        const res = await fetch(url, { method: 'POST', mode: 'no-cors', body, credentials })
        return res.type === 'opaque'
          ? { opaque: true }
          : { status: res.status, text: '', length: 0 }
      } catch (error) {
        return { failed: String(error) }
      }
    },
    { url, body, credentials },
  )
}

/** A credentialed CORS GET: the cookie goes along (same-site), but can the page read it? */
export function getWithCookies(page: Page, url: string): Promise<Seen> {
  return page.evaluate(async (url): Promise<Seen> => {
    try {
      const res = await fetch(url, { credentials: 'include' })
      const text = await res.text()
      return { status: res.status, text: text.slice(0, 4096), length: text.length }
    } catch (error) {
      return { failed: String(error) }
    }
  }, url)
}

export type SocketRun = { opened: boolean; messages: string[]; closeCode: number | null }

/**
 * Opens a WebSocket from the page (Origin: the page's), sends `frames` once open and collects
 * what arrives until `expect` messages came, the socket closed, or `settleMs` passed without
 * news (a refused or silent server must not hang the test).
 */
export function webSocketRun(
  page: Page,
  url: string,
  frames: string[],
  expect: number,
  settleMs = 5000,
): Promise<SocketRun> {
  return page.evaluate(
    ({ url, frames, expect, settleMs }) =>
      new Promise<SocketRun>((resolve) => {
        const run: SocketRun = { opened: false, messages: [], closeCode: null }
        const ws = new WebSocket(url)
        let timer = setTimeout(() => finish(), settleMs)
        const finish = () => {
          clearTimeout(timer)
          if (ws.readyState === WebSocket.OPEN) ws.close()
          resolve(run)
        }
        ws.onopen = () => {
          run.opened = true
          for (const frame of frames) ws.send(frame)
        }
        ws.onmessage = (event) => {
          run.messages.push(String(event.data).slice(0, 4096))
          clearTimeout(timer)
          timer = setTimeout(() => finish(), settleMs)
          if (run.messages.length >= expect) finish()
        }
        ws.onclose = (event) => {
          run.closeCode = event.code
          finish()
        }
      }),
    { url, frames, expect, settleMs },
  )
}

/**
 * JSONP: a `<script>` whose answer calls a function of the page (aria2's GET form takes
 * `jsoncallback`). Returns what the callback received, or 'error' / 'no call'.
 */
export function jsonpScript(page: Page, url: string): Promise<unknown> {
  return page.evaluate(
    (url) =>
      new Promise<unknown>((resolve) => {
        const dom = globalThis as unknown as Dom
        const name = `cb${Math.random().toString(36).slice(2)}`
        let answer: unknown = 'no call'
        dom[name] = (value: unknown) => (answer = value)
        const script = dom.document.createElement('script')
        script['src'] = `${url}${url.includes('?') ? '&' : '?'}jsoncallback=${name}`
        script['onload'] = () => resolve(answer)
        script['onerror'] = () => resolve('error')
        dom.document.body.append(script)
      }),
    url,
  )
}

/** `<img src>`: a GET with cookies that any page may fire; the page learns load or error. */
export function imageGet(page: Page, url: string): Promise<'load' | 'error'> {
  return page.evaluate(
    (url) =>
      new Promise<'load' | 'error'>((resolve) => {
        const img = new (globalThis as unknown as Dom).Image()
        img.onload = () => resolve('load')
        img.onerror = () => resolve('error')
        img.src = url
      }),
    url,
  )
}

/**
 * An HTML form POST (text/plain) into a hidden frame: the body is `NAME=VALUE`, so a name of
 * `{"a":"` and a value of `"}` make it valid JSON. The page cannot read the answer.
 */
export function formPost(page: Page, url: string, name: string, value: string): Promise<void> {
  return page.evaluate(
    ({ url, name, value }) =>
      new Promise<void>((resolve) => {
        const { document } = globalThis as unknown as Dom
        const frame = document.createElement('iframe')
        frame['name'] = `sink${Math.random().toString(36).slice(2)}`
        // Appended first: its about:blank load must not count as the answer's.
        document.body.append(frame)
        const form = document.createElement('form')
        Object.assign(form, { method: 'POST', enctype: 'text/plain', action: url })
        form['target'] = frame['name']
        const input = document.createElement('input')
        Object.assign(input, { type: 'hidden', name, value })
        form.append(input)
        document.body.append(form)
        frame['onload'] = () => resolve()
        form.submit()
      }),
    { url, name, value },
  )
}

/**
 * A WebSocket the page keeps open and listens on, never sending the secret: `spyOpen` opens it,
 * `spyRoundTrip` sends one harmless call and returns everything heard up to its answer (an
 * answer is sent after anything queued before it, so a leaked notification would be in there).
 */
export function spyOpen(page: Page, url: string): Promise<boolean> {
  return page.evaluate(
    (url) =>
      new Promise<boolean>((resolve) => {
        const ws = new WebSocket(url)
        const spy = { ws, messages: [] as string[] }
        ;(globalThis as unknown as { spy: typeof spy }).spy = spy
        ws.onmessage = (event) => spy.messages.push(String(event.data))
        ws.onopen = () => resolve(true)
        ws.onclose = () => resolve(false)
      }),
    url,
  )
}

export function spyRoundTrip(page: Page): Promise<string[]> {
  return page.evaluate(
    () =>
      new Promise<string[]>((resolve) => {
        const spy = (globalThis as unknown as { spy: { ws: WebSocket; messages: string[] } }).spy
        const done = () => resolve(spy.messages)
        spy.ws.addEventListener('message', (event) => {
          if (String(event.data).includes('"spy-ping"')) done()
        })
        spy.ws.addEventListener('close', done)
        spy.ws.send('{"jsonrpc":"2.0","id":"spy-ping","method":"system.listMethods"}')
      }),
  )
}
