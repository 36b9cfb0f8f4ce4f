import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  HostConnections,
  leastPerDownload,
  mostPerDownload,
  sharesByBytesLeft,
  type HostAccount,
} from './host-connections.ts'

describe('HostConnections', () => {
  it('counts first and extra connections against one cap per host', () => {
    const hosts = new HostConnections(() => 2)
    const a = hosts.open('a:80')
    expect(hosts.mayStart('a:80')).toBe(true)
    expect(a.tryTake('a:80')).toBe(true)
    expect(hosts.atCap('a:80')).toBe(true)
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
    const now = hosts.open('a:80', { force: true })
    expect(now.ready(new AbortController().signal)).toBeNull()
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

  it('a first connection waiting at the cap: in start order, out of line when stopped, in when the cap rises', async () => {
    let cap = 2
    const hosts = new HostConnections(() => cap)
    const a = hosts.open('h:80')
    expect(a.tryTake('h:80')).toBe(true)
    const stop = new AbortController()
    const b = hosts.open('h:80')
    const c = hosts.open('h:80')
    const order: string[] = []
    void b.ready(stop.signal)!.then(() => order.push('b'))
    void c.ready(new AbortController().signal)!.then(() => order.push('c'))
    // b stops while it waits: its wait settles, it leaves the line and holds nothing
    stop.abort()
    b.close()
    await flush()
    expect(order).toEqual(['b'])
    expect(hosts.count('h:80')).toBe(2)
    // no extra connection goes before a waiting first one
    a.give('h:80')
    expect(a.tryTake('h:80')).toBe(false)
    expect([hosts.count('h:80'), c.count('h:80')]).toEqual([2, 1])
    await flush()
    expect(order).toEqual(['b', 'c'])
    // a raised cap lets a waiting one in within a ramp beat, with nothing given back
    const d = hosts.open('h:80')
    const dIn = d.ready(new AbortController().signal)!
    expect(d.count('h:80')).toBe(0)
    cap = 3
    await dIn
    expect([hosts.count('h:80'), d.count('h:80')]).toEqual([3, 1])
  })

  it('property: each host counts what its downloads hold, keeps to its cap, and ends at zero', () => {
    const host = fc.constantFrom('a:80', 'b:80', 'c:443')
    const op = fc.oneof(
      fc.record({ kind: fc.constant('start' as const), host, force: fc.boolean() }),
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
          if (o.kind === 'start') {
            const before = hosts.count(o.host)
            accounts.push(hosts.open(o.host, { force: o.force }))
            // the pump's start never takes the host past its cap; only Start now does, by one
            expect(hosts.count(o.host)).toBeLessThanOrEqual(
              o.force ? before + 1 : Math.max(before, cap),
            )
          } else if (o.kind === 'cap') cap = o.cap
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

  it('a download may start at a host at its cap: the running one hands connections over to its share', async () => {
    const hosts = new HostConnections(() => 4)
    const a = hosts.open('h:80')
    for (let i = 0; i < 3; i++) expect(a.tryTake('h:80')).toBe(true)
    // a alone holds the whole cap; before the fair share, b waited for a to end
    expect(hosts.atCap('h:80')).toBe(true)
    expect(hosts.mayStart('h:80')).toBe(true)
    const b = hosts.open('h:80')
    // b's first connection waits for a slot: the host never goes one over
    let admitted = false
    void b.ready(new AbortController().signal)!.then(() => (admitted = true))
    expect([hosts.count('h:80'), b.count('h:80')]).toEqual([4, 0])
    expect(b.tryTake('h:80')).toBe(false)
    // a hands one over at once, and the slot goes to b, not back to a
    expect(a.excess('h:80')).toBe(1)
    giveBack(a, 'h:80')
    expect([hosts.count('h:80'), a.count('h:80'), b.count('h:80')]).toEqual([4, 3, 1])
    expect(a.tryTake('h:80')).toBe(false)
    await flush()
    expect(admitted).toBe(true)
    // b, below its share (4 ÷ 2), is refused at the cap: a gives back down to its share
    expect(b.tryTake('h:80')).toBe(false)
    expect(a.excess('h:80')).toBe(1)
    giveBack(a, 'h:80')
    expect(a.tryTake('h:80')).toBe(false) // past its share while b waits
    expect(b.tryTake('h:80')).toBe(true)
    expect(b.tryTake('h:80')).toBe(false)
    expect([a.count('h:80'), b.count('h:80'), hosts.count('h:80')]).toEqual([2, 2, 4])
    // a third: its first connection waits until one of them gives one back; the cap holds
    const c = hosts.open('h:80')
    expect(hosts.count('h:80')).toBe(4)
    expect(a.excess('h:80') + b.excess('h:80')).toBeGreaterThan(0)
    giveBack(a, 'h:80')
    giveBack(b, 'h:80')
    expect(hosts.count('h:80')).toBe(4)
    expect(c.count('h:80')).toBe(1)
    // a fourth still fits (one connection each); a fifth waits
    expect(hosts.mayStart('h:80')).toBe(true)
    const d = hosts.open('h:80')
    for (const account of [a, b, c, d]) giveBack(account, 'h:80')
    expect(hosts.count('h:80')).toBe(4)
    expect(hosts.mayStart('h:80')).toBe(false)
    // the others end: the one left may have them all again
    for (const account of [b, c, d]) account.close()
    expect(a.excess('h:80')).toBe(0)
    while (a.tryTake('h:80'));
    expect(a.count('h:80')).toBe(4)
  })

  it('a download past its share keeps what the others do not ask for', () => {
    const hosts = new HostConnections(() => 6)
    const a = hosts.open('h:80')
    const b = hosts.open('h:80')
    // b wants nothing more (a file's last range): a may use the rest of the cap
    while (a.tryTake('h:80'));
    expect([a.count('h:80'), b.count('h:80')]).toEqual([5, 1])
    expect(a.excess('h:80')).toBe(0)
    // once b asks and is refused, a gives back down to its share
    expect(b.tryTake('h:80')).toBe(false)
    expect(a.excess('h:80')).toBe(2)
    giveBack(a, 'h:80')
    while (b.tryTake('h:80'));
    expect([a.count('h:80'), b.count('h:80')]).toEqual([3, 3])
  })

  it('property: the share arithmetic — within the cap, all to a lone download, at least one each', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 64 }), (cap, n) => {
        const most = mostPerDownload(cap, n)
        const least = leastPerDownload(cap, n)
        expect(most).toBeLessThanOrEqual(cap)
        expect(least).toBeLessThanOrEqual(most)
        expect(mostPerDownload(cap, 1)).toBe(cap)
        expect(leastPerDownload(cap, 1)).toBe(cap)
        if (n <= cap) {
          // every download that may start keeps one; the least shares fit in the cap and
          // the most shares leave no connection of the cap unusable
          expect(least).toBeGreaterThanOrEqual(1)
          expect(least * n).toBeLessThanOrEqual(cap)
          expect(most * n).toBeGreaterThanOrEqual(cap)
        }
      }),
    )
  })

  it('property: when every download asks for more, they settle within the cap and each within its share', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('start' as const) }),
      fc.record({ kind: fc.constant('take' as const), who: fc.nat() }),
      fc.record({ kind: fc.constant('give' as const), who: fc.nat() }),
      fc.record({ kind: fc.constant('close' as const), who: fc.nat() }),
      fc.record({ kind: fc.constant('cap' as const), cap: fc.integer({ min: 1, max: 8 }) }),
    )
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        let cap = 4
        const hosts = new HostConnections(() => cap)
        const h = 'h:80'
        const open: HostAccount[] = []
        const pick = (who: number): HostAccount | undefined => open[who % open.length]
        for (const o of ops) {
          if (o.kind === 'start') {
            // the pump starts one only when each could keep a connection
            if (!hosts.mayStart(h)) continue
            open.push(hosts.open(h))
          } else if (o.kind === 'cap') cap = o.cap
          else if (o.kind === 'take') pick(o.who)?.tryTake(h)
          else if (o.kind === 'give') {
            const account = pick(o.who)
            if (account && account.count(h) > 1) account.give(h)
          } else {
            const account = pick(o.who)
            if (!account) continue
            while (account.count(h) > 1) account.give(h)
            account.close()
            open.splice(open.indexOf(account), 1)
          }
          // ramp beats of every running download
          for (const account of open) giveBack(account, h)
          expect(hosts.downloads(h)).toBe(open.length)
          expect(hosts.count(h)).toBe(open.reduce((sum, a) => sum + a.count(h), 0))
          // a lowered cap leaves more downloads than it allows until some end: one each then
          expect(hosts.count(h)).toBeLessThanOrEqual(Math.max(cap, open.length))
          for (const account of open) expect(account.count(h)).toBeGreaterThanOrEqual(1)
        }
        // every download asks for all it may have, beat after beat, until nothing moves
        for (let round = 0; round < 4 * (cap + open.length); round++) {
          for (const account of open) while (account.tryTake(h));
          for (const account of open) giveBack(account, h)
        }
        expect(hosts.count(h)).toBeLessThanOrEqual(Math.max(cap, open.length))
        for (const account of open) {
          expect(account.count(h)).toBeGreaterThanOrEqual(1)
          expect(account.count(h)).toBeLessThanOrEqual(hosts.share(h))
        }
      }),
    )
  })
})

/** What a transfer does at its ramp beat: closes the extra connections past its share. */
function giveBack(account: HostAccount, host: string): void {
  for (let n = account.excess(host); n > 0; n--) account.give(host)
}

describe('shares by bytes left', () => {
  it('property: one each, the cap split in proportion to bytes left, summing to the cap', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 64 }),
        fc.array(fc.nat({ max: 1e9 }), { minLength: 1, maxLength: 12 }),
        (cap, left) => {
          const shares = sharesByBytesLeft(cap, left)
          if (left.every((b) => b === 0)) {
            expect(shares).toBeNull()
            return
          }
          expect(shares).toHaveLength(left.length)
          for (const s of shares!) expect(s).toBeGreaterThanOrEqual(1)
          const sum = shares!.reduce((a, b) => a + b, 0)
          expect(sum).toBe(Math.max(cap, left.length))
          // more left never means a smaller share
          for (let i = 0; i < left.length; i++)
            for (let j = 0; j < left.length; j++)
              if (left[i]! > left[j]!) expect(shares![i]).toBeGreaterThanOrEqual(shares![j]!)
        },
      ),
    )
  })

  it('a download with more left has the larger share; the one nearly done gives back to it', () => {
    const hosts = new HostConnections(() => 8)
    const left = { a: 1_000, b: 7_000 }
    const a = hosts.open('h:80')
    a.measure({ bytesLeft: () => left.a })
    while (a.tryTake('h:80'));
    expect(a.count('h:80')).toBe(8)
    const b = hosts.open('h:80')
    b.measure({ bytesLeft: () => left.b })
    // one each, the other six by 1:7 — a keeps 2 (even shares: 4 each)
    expect([hosts.share('h:80', a), hosts.share('h:80', b)]).toEqual([2, 6])
    giveBack(a, 'h:80') // the host was one over: a gives one back
    while (b.tryTake('h:80') || a.excess('h:80') > 0) giveBack(a, 'h:80')
    expect([a.count('h:80'), b.count('h:80'), hosts.count('h:80')]).toEqual([2, 6, 8])
    // a download whose size is unknown: even shares for every download on the host
    const c = hosts.open('h:80')
    expect(hosts.share('h:80', b)).toBe(3)
    c.close()
    expect(hosts.share('h:80', b)).toBe(6)
  })
})

/** Lets settled promises run their callbacks. */
function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}
