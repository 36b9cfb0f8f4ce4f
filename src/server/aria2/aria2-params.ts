import { methodError } from './aria2-error.ts'

/**
 * Readers for a method's positional parameters (the secret already removed), failing with
 * aria2's own messages: `The parameter at N is required but missing.` / `... has wrong type.`
 */
export class Aria2Params {
  readonly #values: readonly unknown[]
  constructor(values: readonly unknown[]) {
    this.#values = values
  }

  has(index: number): boolean {
    return index < this.#values.length
  }

  string(index: number): string {
    const value = this.#required(index)
    if (typeof value !== 'string') throw wrongType(index)
    return value
  }

  integer(index: number): number {
    const value = this.#required(index)
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw wrongType(index)
    return value
  }

  /** An optional integer; `fallback` when absent. */
  optionalInteger(index: number, fallback: number): number {
    return this.has(index) ? this.integer(index) : fallback
  }

  array(index: number): unknown[] {
    const value = this.#required(index)
    if (!Array.isArray(value)) throw wrongType(index)
    return value
  }

  /** An optional struct (aria2's options objects); `{}` when absent. */
  optionalStruct(index: number): Record<string, unknown> {
    if (!this.has(index)) return {}
    const value = this.#values[index]
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw wrongType(index)
    return value as Record<string, unknown>
  }

  /** An optional list of key names (tellStatus and friends); empty = every key. */
  optionalKeys(index: number): string[] {
    if (!this.has(index)) return []
    const value = this.#values[index]
    if (!Array.isArray(value)) throw wrongType(index)
    return value.filter((k): k is string => typeof k === 'string')
  }

  #required(index: number): unknown {
    if (!this.has(index)) throw methodError(`The parameter at ${index} is required but missing.`)
    return this.#values[index]
  }
}

function wrongType(index: number) {
  return methodError(`The parameter at ${index} has wrong type.`)
}
