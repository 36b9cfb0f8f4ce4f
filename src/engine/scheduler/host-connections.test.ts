import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { HostConnections, type HostAccount } from './host-connections.ts'

describe('HostConnections', () => {
  it('counts first and extra connections against one cap per host', () => {
    const hosts = new HostConnections(() => 2)
    const a = hosts.open('a:80')
    expect(hosts.mayStart('a:80')).toBe(true)
    expect(a.tryTake('a:80')).toBe(true)
    expect(hosts.mayStart('a:80')).toBe(false)
    expect(a.tryTake('a:80')).toBe(false)
    expect(hosts.count('a:80')).toBe(2)
    expect(a.count('a:80')).toBe(2)
    // another host has its own allowance
    expect(a.tryTake('b:80')).toBe(true)
    expect(a.count('b:80')).toBe(1)
    a.give('a:80')
    expect(hosts.mayStart('a:80')).toBe(true)
    expect(hosts.count('a:80')).toBe(1)
  })

  it('a download starts even at the cap (Start now): one over, and no extra connection', () => {
    const hosts = new HostConnections(() => 1)
    hosts.open('a:80')
    expect(hosts.mayStart('a:80')).toBe(false)
    const now = hosts.open('a:80')
    expect(hosts.count('a:80')).toBe(2)
    expect(now.tryTake('a:80')).toBe(false)
    now.close()
    expect(hosts.count('a:80')).toBe(1)
  })

  it('reads the cap at each question, so a settings change applies to the next connection', () => {
    let cap = 1
    const hosts = new HostConnections(() => cap)
    const a = hosts.open('a:80')
    expect(a.tryTake('a:80')).toBe(false)
    cap = 3
    expect(a.tryTake('a:80')).toBe(true)
    expect(hosts.count('a:80')).toBe(2)
  })

  it("a download gives back only what it took: never another's connection, its first once", () => {
    const hosts = new HostConnections(() => 8)
    const a = hosts.open('h:80')
    const b = hosts.open('h:80')
    expect(b.tryTake('h:80')).toBe(true)
    a.give('h:80') // a holds no extra connection
    expect(hosts.count('h:80')).toBe(3)
    a.close()
    a.close()
    expect(hosts.count('h:80')).toBe(2)
    expect(a.count('h:80')).toBe(0)
    expect(b.count('h:80')).toBe(2)
  })

  it('property: each host counts what its downloads hold, keeps to its cap, and ends at zero', () => {
    const host = fc.constantFrom('a:80', 'b:80', 'c:443')
    const op = fc.oneof(
      fc.record({ kind: fc.constant('start' as const), host }),
      fc.record({ kind: fc.constant('take' as const), who: fc.nat(), host }),
      fc.record({ kind: fc.constant('give' as const), who: fc.nat(), host }),
      fc.record({ kind: fc.constant('close' as const), who: fc.nat() }),
      fc.record({ kind: fc.constant('cap' as const), cap: fc.integer({ min: 1, max: 6 }) }),
    )
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
        let cap = 3
        const hosts = new HostConnections(() => cap)
        const accounts: HostAccount[] = []
        const pick = (who: number): HostAccount | undefined => accounts[who % accounts.length]
        for (const o of ops) {
          if (o.kind === 'start') accounts.push(hosts.open(o.host))
          else if (o.kind === 'cap') cap = o.cap
          else if (o.kind === 'close') pick(o.who)?.close()
          else if (o.kind === 'give') pick(o.who)?.give(o.host)
          else {
            const account = pick(o.who)
            if (!account) continue
            const before = hosts.count(o.host)
            const taken = account.tryTake(o.host)
            // an extra connection never takes the host to or past its cap
            if (taken) expect(before).toBeLessThan(cap)
            else expect(hosts.count(o.host)).toBe(before)
          }
          for (const h of ['a:80', 'b:80', 'c:443']) {
            const held = accounts.reduce((sum, a) => sum + a.count(h), 0)
            expect(hosts.count(h)).toBe(held)
          }
        }
        for (const account of accounts) {
          // every extra connection given back, then the first by close
          for (const h of ['a:80', 'b:80', 'c:443']) {
            for (let left = account.count(h); left > 0; left--) account.give(h)
          }
          account.close()
        }
        for (const h of ['a:80', 'b:80', 'c:443']) expect(hosts.count(h)).toBe(0)
      }),
    )
  })
})
