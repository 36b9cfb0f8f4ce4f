import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const GUARD = join(import.meta.dirname, 'unexpected-error-guard.ts')

/** Runs `body` in a fresh Node process (the guard changes process-wide handlers). */
function runNode(body: string) {
  return spawnSync(process.execPath, ['--input-type=module', '-e', body], {
    encoding: 'utf8',
    timeout: 20_000,
  })
}

describe('keepServingOnUnexpectedErrors', () => {
  it('logs an unhandled rejection and an uncaught exception, and the process goes on', () => {
    const run = runNode(`
      import { keepServingOnUnexpectedErrors } from ${JSON.stringify(GUARD)}
      keepServingOnUnexpectedErrors((line) => console.log('LOG ' + line))
      Promise.reject(new RangeError('Maximum call stack size exceeded'))
      setTimeout(() => { throw new TypeError('boom') }, 10)
      setTimeout(() => console.log('still here'), 100)
    `)
    expect(run.stderr).toBe('')
    expect(run.status).toBe(0)
    expect(run.stdout).toMatch(
      /LOG unexpected unhandled rejection \(still serving\): RangeError: Maximum call stack size exceeded/,
    )
    expect(run.stdout).toMatch(
      /LOG unexpected uncaught exception \(still serving\): TypeError: boom/,
    )
    expect(run.stdout).toMatch(/still here\n$/)
  })

  it('without it (or once removed) Node ends the process, as it would have ended the host', () => {
    const run = runNode(`
      import { keepServingOnUnexpectedErrors } from ${JSON.stringify(GUARD)}
      const remove = keepServingOnUnexpectedErrors((line) => console.log('LOG ' + line))
      remove()
      Promise.reject(new RangeError('unguarded'))
      setTimeout(() => console.log('still here'), 100)
    `)
    expect(run.status).not.toBe(0)
    expect(run.stdout).not.toContain('still here')
    expect(run.stderr).toContain('unguarded')
  })
})
