import { describe, expect, it } from 'vitest'
import { StderrTail } from './stderr-tail.ts'

describe('StderrTail', () => {
  it('keeps the last lines across chunk boundaries', () => {
    const tail = new StderrTail(3)
    tail.push('one\ntw')
    tail.push('o\nthree\r\nfour\nfi')
    expect(tail.text()).toBe('two\nthree\nfour\nfi')
  })

  it('bounds long lines and blank noise', () => {
    const tail = new StderrTail(2, 5)
    tail.push('\n\n0123456789\nok\n')
    expect(tail.text()).toBe('01234…\nok')
    tail.push('x'.repeat(100))
    expect(tail.text()).toBe('01234…\nok\nxxxxx')
    tail.clear()
    expect(tail.text()).toBe('')
  })
})
