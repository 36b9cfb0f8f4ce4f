import { MessageChannel } from 'node:worker_threads'
import * as v from 'valibot'
import { describe, expect, expectTypeOf, it } from 'vitest'
import type { EngineApi } from './api.ts'
import type { MoveTarget } from './block-move.ts'
import { Emitter } from '../emitter.ts'
import { createEngineClient, serveEngine } from './rpc.ts'
import type { moveTargetSchema } from './schemas.ts'
import { describeIssues, methodArgsSchemas } from './schemas.ts'
import { portOf } from '../../../test/message-port.ts'

const ONE_OF = '1: must be one of { before: id }, { after: id } or { position: n }'

/** The message a client gets back for `args`, or 'ok'. */
function check(args: unknown): string {
  const result = v.safeParse(methodArgsSchemas.moveMany, args)
  return result.success ? 'ok' : describeIssues(result.issues)
}

describe('moveMany at the boundary', () => {
  it('infers exactly the protocol types (fails typecheck on drift)', () => {
    expectTypeOf<v.InferOutput<typeof moveTargetSchema>>().toEqualTypeOf<MoveTarget>()
    expectTypeOf<v.InferOutput<typeof methodArgsSchemas.moveMany>>().toEqualTypeOf<
      Parameters<EngineApi['moveMany']>
    >()
  })

  it('accepts ids with one target: before, after or a position', () => {
    expect(check([['a', 'b'], { before: 'c' }])).toBe('ok')
    expect(check([['a'], { after: 'c' }])).toBe('ok')
    expect(check([['a'], { position: 0 }])).toBe('ok')
  })

  it.each([
    [[[], { position: 0 }], '0: must name at least one download'],
    [[[''], { position: 0 }], '0.0: must not be empty'],
    [[[1], { position: 0 }], /^0\.0: /],
    [['a', { position: 0 }], /^0: /],
    [[['a'], { position: -1 }], '1.position: Invalid value: Expected >=0 but received -1'],
    [[['a'], { position: 1.5 }], /^1\.position: /],
    [[['a'], { before: 'b', after: 'c' }], ONE_OF],
    [[['a'], { before: '' }], '1.before: must not be empty'],
    [[['a'], {}], ONE_OF],
    [[['a']], ONE_OF],
  ] as [unknown, string | RegExp][])('refuses %j', (args, message) => {
    const result = check(args)
    expect(result).not.toBe('ok')
    if (typeof message === 'string') expect(result).toBe(message)
    else expect(result).toMatch(message)
  })

  it('over a real MessageChannel, a malformed call is refused before the engine sees it', async () => {
    const seen: unknown[] = []
    const events = new Emitter<Record<string, unknown>>()
    const engine = {
      moveMany: async (ids: string[], to: MoveTarget) => {
        seen.push([ids, to])
        return { ids, position: 0 }
      },
      on: events.on.bind(events),
    } as unknown as Parameters<typeof serveEngine>[1]
    const channel = new MessageChannel()
    const stop = serveEngine(portOf(channel.port1), engine)
    const client = createEngineClient(portOf(channel.port2))
    try {
      await expect(
        client.moveMany(['a'], { before: 'b', position: 3 } as unknown as MoveTarget),
      ).rejects.toMatchObject({ code: 'DP_ERR_INVALID_ARGUMENT', message: /^moveMany: 1/ })
      await expect(client.moveMany([], { position: 0 })).rejects.toMatchObject({
        message: 'moveMany: 0: must name at least one download',
      })
      expect(seen).toEqual([])
      expect(await client.moveMany(['a'], { after: 'b' })).toEqual({ ids: ['a'], position: 0 })
      expect(seen).toEqual([[['a'], { after: 'b' }]])
    } finally {
      stop()
      client.dispose()
      channel.port1.close()
      channel.port2.close()
    }
  })
})
