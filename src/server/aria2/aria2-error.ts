/**
 * aria2's JSON-RPC error codes. Every method failure is code 1 (aria2 has no finer codes);
 * the three negative ones are JSON-RPC's own.
 */
export const ARIA2_CODES = {
  method: 1,
  parse: -32700,
  invalidRequest: -32600,
  invalidParams: -32602,
} as const

export type Aria2Code = (typeof ARIA2_CODES)[keyof typeof ARIA2_CODES]

/** An error answered to an aria2 client as `{ code, message }`, with aria2's wording. */
export class Aria2Error extends Error {
  readonly code: Aria2Code
  constructor(code: Aria2Code, message: string) {
    super(message)
    this.name = 'Aria2Error'
    this.code = code
  }
}

/** A method failure (code 1), the only kind a method itself raises. */
export function methodError(message: string): Aria2Error {
  return new Aria2Error(ARIA2_CODES.method, message)
}

/** aria2's HTTP status for an error response: 400 for code 1 and -32600, 500 for the rest. */
export function httpStatusFor(code: number): number {
  return code === ARIA2_CODES.method || code === ARIA2_CODES.invalidRequest ? 400 : 500
}
