import * as v from 'valibot'

/** Messages main sends to the engine's utility process; anything else is ignored. */
const hostMessageSchema = v.variant('type', [
  v.object({
    type: v.literal('init'),
    stateDir: v.pipe(v.string(), v.minLength(1)),
    defaultDir: v.pipe(v.string(), v.minLength(1)),
  }),
  v.object({ type: v.literal('connect') }),
  v.object({ type: v.literal('shutdown') }),
])

export type HostMessage = v.InferOutput<typeof hostMessageSchema>

export function parseHostMessage(data: unknown): HostMessage | null {
  const parsed = v.safeParse(hostMessageSchema, data)
  return parsed.success ? parsed.output : null
}
