/**
 * The few browser globals the specs use inside page functions. e2e code is typechecked with
 * Node's lib (it also runs servers), so the DOM's own types are not available here; page
 * functions read these from `globalThis as unknown as BrowserGlobals`.
 */
export type BrowserGlobals = {
  DataTransfer: new () => { setData(format: string, data: string): void }
  getComputedStyle(element: unknown, pseudoElement?: string): { opacity: string }
  open(url: string): unknown
  location: { href: string }
  require?: unknown
  process?: unknown
  downpour?: Record<string, unknown>
}
