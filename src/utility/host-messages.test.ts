import { describe, expect, it } from 'vitest'
import { parseHostMessage } from './host-messages.ts'

describe('utility host messages', () => {
  it('accepts the three messages main sends', () => {
    expect(parseHostMessage({ type: 'init', stateDir: '/s', defaultDir: '/d' })).toEqual({
      type: 'init',
      stateDir: '/s',
      defaultDir: '/d',
    })
    expect(parseHostMessage({ type: 'connect' })).toEqual({ type: 'connect' })
    expect(parseHostMessage({ type: 'shutdown' })).toEqual({ type: 'shutdown' })
  })

  it('ignores anything else', () => {
    for (const bad of [
      null,
      'init',
      { type: 'init' },
      { type: 'init', stateDir: '', defaultDir: '/d' },
      { type: 'exec', cmd: 'rm' },
    ]) {
      expect(parseHostMessage(bad)).toBeNull()
    }
  })
})
