import { execFileSync, spawnSync } from 'node:child_process'
import { dirname, join } from 'node:path'
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
    for (const args of [['--help'], ['get', 'http://127.0.0.1:9/x']]) {
      const run = spawnSync(old.path, [CLI, ...args], { encoding: 'utf8' })
      const lines = run.stderr.split('\n')
      expect(lines[0]).toBe(`downpour needs Node 24 (found ${old.version.replace(/^v/, '')})`)
      // The way out: the checkout's pinned Node 24 (node_modules/.bin/node) is named.
      expect(lines[1]).toContain(join('node_modules', '.bin', 'node'))
      expect(run.stderr).not.toMatch(/SyntaxError|\n\s+at /)
      expect(run.status).toBe(1)
      expect(run.stdout).toBe('')
    }
  })

  it.skipIf('missing' in old)(
    'run as a command (its shebang) with an old Node first on PATH: the same message',
    () => {
      if ('missing' in old) return
      const run = spawnSync(CLI, ['--help'], {
        encoding: 'utf8',
        env: { ...process.env, PATH: `${dirname(old.path)}:/usr/bin:/bin` },
      })
      expect(run.stderr.split('\n')[0]).toBe(
        `downpour needs Node 24 (found ${old.version.replace(/^v/, '')})`,
      )
      expect(run.status).toBe(1)
    },
  )

  it('the Node running the tests (24+) gets past the check', () => {
    const run = spawnSync(process.execPath, [CLI, '--version'], { encoding: 'utf8' })
    expect(run.stderr).toBe('')
    expect(run.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/)
    expect(run.status).toBe(0)
  })
})

// `npm start` (its prestart) without Electron's binary says what to do instead of ending in
// electron-vite's stack trace.
const CHECK = join(import.meta.dirname, '..', '..', 'bin', 'electron-check.mjs')
const withoutOverride = () => {
  const env = { ...process.env }
  delete env.ELECTRON_OVERRIDE_DIST_PATH
  return env
}
const hasBinary = spawnSync(process.execPath, [CHECK], { env: withoutOverride() }).status === 0
if (hasBinary) console.log("skipping the no-Electron test: this install has Electron's binary")

describe('npm start without Electron', () => {
  it.skipIf(hasBinary)('names `npm run serve` and exits non-zero, before building anything', () => {
    const run = spawnSync(process.execPath, [CHECK], { encoding: 'utf8', env: withoutOverride() })
    expect(run.status).toBe(1)
    expect(run.stderr).toContain("npm start needs Electron's binary")
    expect(run.stderr).toContain('npm run serve')
  })

  it('passes when an Electron binary is given (ELECTRON_OVERRIDE_DIST_PATH)', () => {
    const run = spawnSync(process.execPath, [CHECK], {
      encoding: 'utf8',
      env: { ...process.env, ELECTRON_OVERRIDE_DIST_PATH: process.execPath },
    })
    expect(run.stderr).toBe('')
    expect(run.status).toBe(0)
  })
})
