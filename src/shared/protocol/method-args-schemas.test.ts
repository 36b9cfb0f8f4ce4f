import * as v from 'valibot'
import { describe, expect, it } from 'vitest'
import type { EngineMethod } from './api.ts'
import { methodArgsSchemas, type MethodArgsSchemas } from './schemas.ts'

/**
 * The argument schemas are tied to `EngineApi` at compile time. Each `@ts-expect-error` below is
 * itself checked by `npm run typecheck`: were the tie loosened, the line would compile and the
 * unused directive would fail the typecheck.
 */
describe('methodArgsSchemas is tied to EngineApi', () => {
  it('has a schema for every method and nothing else', () => {
    const { add: _add, ...withoutAdd } = methodArgsSchemas
    // @ts-expect-error a method without a schema
    const missing: MethodArgsSchemas = withoutAdd
    // @ts-expect-error a schema without a method
    const extra: MethodArgsSchemas = { ...methodArgsSchemas, fly: v.strictTuple([]) }
    // @ts-expect-error a schema whose output is not the method's parameters
    const wrong: MethodArgsSchemas = { ...methodArgsSchemas, move: v.strictTuple([v.string()]) }
    expect([missing, extra, wrong].length).toBe(3)
    const names: EngineMethod[] = Object.keys(methodArgsSchemas) as EngineMethod[]
    expect(names).toContain('moveMany')
  })
})
