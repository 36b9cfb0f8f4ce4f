import { execFileSync, spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

// `bin/downpour.mjs` under a Node older than 24 must say what is wrong, not die with a
// SyntaxError: the version check runs before anything an old Node cannot link.
const CLI = join(import.meta.dirname, '..', '..', 'bin', 'downpour.mjs')

/** A Node older than 24 on this machine (the system one), or why there is none. */
function findOldNode(): { path: string; version: string } | { missing: string } {
  for (const path of ['/usr/bin/node', '/usr/local/bin/node', '/bin/node']) {
    try {
      const version = execFileSync(path, ['--version'], { encoding: 'utf8' }).trim()
      if (Number(version.replace(/^v/, '').split('.')[0]) < 24) return { path, version }
    } catch {
      // not there (or not runnable): try the next
    }
  }
  return { missing: 'no Node older than 24 found in /usr/bin, /usr/local/bin or /bin' }
}

const old = findOldNode()
if ('missing' in old) console.log(`skipping the old-Node test: ${old.missing}`)

describe('bin/downpour.mjs and the Node version', () => {
  it.skipIf('missing' in old)('an old Node prints the version needed and exits non-zero', () => {
    if ('missing' in old) return
    const run = spawnSync(old.path, [CLI, 'get', 'http://127.0.0.1:9/x'], { encoding: 'utf8' })
    expect(run.stderr).toBe(
      `downpour needs Node 24 or later (found ${old.version.replace(/^v/, '')})\n`,
    )
    expect(run.status).toBe(1)
    expect(run.stdout).toBe('')
  })

  it('the Node running the tests (24+) gets past the check', () => {
    const run = spawnSync(process.execPath, [CLI, '--version'], { encoding: 'utf8' })
    expect(run.stderr).toBe('')
    expect(run.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/)
    expect(run.status).toBe(0)
  })
})
