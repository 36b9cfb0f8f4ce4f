import { describe, expect, it } from 'vitest'
import { HostConnections } from './host-connections.ts'

describe('HostConnections', () => {
  it('counts first and extra connections against one cap per host', () => {
    const hosts = new HostConnections(() => 2)
    hosts.take('a:80')
    expect(hosts.atCap('a:80')).toBe(false)
    expect(hosts.tryTake('a:80')).toBe(true)
    expect(hosts.atCap('a:80')).toBe(true)
    expect(hosts.tryTake('a:80')).toBe(false)
    expect(hosts.count('a:80')).toBe(2)
    // another host has its own allowance
    expect(hosts.tryTake('b:80')).toBe(true)
    hosts.give('a:80')
    expect(hosts.atCap('a:80')).toBe(false)
    expect(hosts.count('a:80')).toBe(1)
  })

  it('reads the cap at each question, so a settings change applies to the next connection', () => {
    let cap = 1
    const hosts = new HostConnections(() => cap)
    hosts.take('a:80')
    expect(hosts.tryTake('a:80')).toBe(false)
    cap = 3
    expect(hosts.tryTake('a:80')).toBe(true)
    expect(hosts.count('a:80')).toBe(2)
  })
})
