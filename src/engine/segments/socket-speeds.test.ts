import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { LAGGARD_RATIO, pickWork } from './segment-planner.ts'
import { SocketSpeeds } from './socket-speeds.ts'

const MiB = 1024 * 1024

type Op = { kind: 'set'; loop: number; speed: number } | { kind: 'delete'; loop: number }

const anyOp: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('set' as const),
    loop: fc.nat({ max: 5 }),
    speed: fc.oneof(fc.constant(0), fc.double({ min: -1, max: 64 * MiB, noNaN: true })),
  }),
  fc.record({ kind: fc.constant('delete' as const), loop: fc.nat({ max: 5 }) }),
)

describe('SocketSpeeds', () => {
  it('the fastest is the highest known speed among the live loops (property)', () => {
    fc.assert(
      fc.property(fc.array(anyOp, { maxLength: 40 }), (ops) => {
        const loops = Array.from({ length: 6 }, () => ({}))
        const speeds = new SocketSpeeds()
        const model = new Map<number, number>()
        for (const op of ops) {
          if (op.kind === 'delete') {
            speeds.delete(loops[op.loop]!)
            model.delete(op.loop)
          } else {
            speeds.set(loops[op.loop]!, op.speed)
            if (op.speed > 0) model.set(op.loop, op.speed)
            else model.delete(op.loop)
          }
        }
        expect(speeds.fastest()).toBe(Math.max(0, ...model.values()))
      }),
    )
  })

  it('a loop that ended no longer counts: its socket closed with it', () => {
    const speeds = new SocketSpeeds()
    const fast = {}
    const slow = {}
    speeds.set(fast, 16 * MiB)
    speeds.set(slow, MiB)
    expect(speeds.fastest()).toBe(16 * MiB)
    speeds.delete(fast)
    expect(speeds.fastest()).toBe(MiB)
  })

  it('makes a slow socket yield next to a fast one whose reader is behind (W4 on loopback)', () => {
    // The planner's own figure leaves out readers behind their servers: on loopback the fast
    // sockets' readers. W4's figures: fastestSeen stayed at 2 MiB/s while fast sockets brought
    // 8–16 MiB/s, so a 1 MiB/s socket never counted as too slow to win.
    const speeds = new SocketSpeeds()
    const fastLoop = {}
    speeds.set(fastLoop, 16 * MiB)
    const gaps = [{ start: 100 * MiB, end: 110 * MiB }]
    const active = [{ id: 1, pos: 0, end: 8 * MiB, behind: true }]
    const fastestSeen = 2 * MiB
    expect(pickWork(gaps, active, MiB, MiB, true, fastestSeen).kind).toBe('gap')
    const judged = Math.max(fastestSeen, speeds.fastest())
    expect(MiB * LAGGARD_RATIO).toBeLessThanOrEqual(judged)
    expect(pickWork(gaps, active, MiB, MiB, true, judged).kind).toBe('yield')
  })
})
