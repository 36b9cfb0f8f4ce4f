/** Types for the `aria2` npm package (a JavaScript aria2 RPC client; it ships none). */
declare module 'aria2' {
  type Options = {
    host?: string
    port?: number
    secure?: boolean
    secret?: string
    path?: string
  }
  export default class Aria2 {
    constructor(options?: Options)
    call<T = unknown>(method: string, ...params: unknown[]): Promise<T>
    multicall(calls: unknown[][]): Promise<unknown[]>
    batch(calls: unknown[][]): Promise<Promise<unknown>[]>
    listNotifications(): Promise<string[]>
    listMethods(): Promise<string[]>
    open(): Promise<void>
    close(): Promise<void>
    on(event: string, listener: (params: { gid: string }[]) => void): this
  }
}
