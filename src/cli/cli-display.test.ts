import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { makeBody } from '../../test/fault-server.ts'
import { useCli } from '../../test/run-cli.ts'
import { textColumns } from './terminal-width.ts'

// The real CLI on a real terminal: `script` (util-linux) gives it a pseudo-terminal of the size
// `stty` sets, so it draws its live rows as it does for a person.
const { server, dirs, start } = useCli()
const KiB = 1024
const CLI = join(import.meta.dirname, '..', '..', 'bin', 'downpour.mjs')

/** A shell word. */
const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`

/** Runs `downpour get ARGS` on a terminal `columns` wide; everything the terminal received. */
function onTerminal(args: string[], columns: number): Promise<string> {
  const command = [
    `stty cols ${columns} rows 20;`,
    'exec',
    quote(process.execPath),
    quote(CLI),
    'get',
    '-d',
    quote(dirs.downloads),
    '--retry-wait',
    '0.05',
    ...args.map(quote),
  ].join(' ')
  const child = spawn('script', ['-qfec', command, '/dev/null'], {
    env: { ...process.env, DOWNPOUR_STATE_DIR: dirs.state, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let text = ''
  child.stdout!.on('data', (d) => (text += d))
  return new Promise((resolve) => child.on('close', () => resolve(text)))
}

// eslint-disable-next-line no-control-regex -- the display's cursor-up-and-erase
const ERASE = /\x1b\[\d*F\x1b\[J/g

/** The lines the terminal was sent, the display's own erase sequences taken out. */
function linesOf(text: string): string[] {
  return text.replace(ERASE, '').replaceAll('\r', '').split('\n')
}

describe('downpour get on a terminal', () => {
  it('counts the queued downloads as waiting, and no live line is wider than a 30-column terminal', async () => {
    for (const n of [1, 2, 3])
      server.file(`/w${n}.bin`, makeBody(192 * KiB, n), { rateLimit: 256 * KiB })
    const text = await onTerminal(
      ['-j', '1', ...[1, 2, 3].map((n) => server.url(`/w${n}.bin`))],
      30,
    )
    const lines = linesOf(text)
    expect(lines).toContain('3 completed, 0 failed')
    // While the first runs, the other two are waiting (they had no row before they started).
    expect(lines.filter((l) => /\b1 active · 2 waiting\b/.test(l)).length).toBeGreaterThan(0)
    const live = lines.filter(
      (l) => l.startsWith('total ') || / active · /.test(l) || /\d+%/.test(l),
    )
    expect(live.length).toBeGreaterThan(0)
    for (const line of live) expect(textColumns(line), line).toBeLessThan(30)
  })
})

describe('downpour get: a failure is said once', () => {
  it('a 404 is one line on stderr, not also a line on stdout', async () => {
    server.file('/ok.bin', makeBody(10 * KiB, 1))
    const result = await start([server.url('/ok.bin'), server.url('/gone.bin')]).done
    expect(result.code).toBe(3)
    const all = `${result.stdout}${result.stderr}`
    expect(all.split('gone.bin').length - 1).toBe(1)
    expect(result.stderr).toContain(
      `downpour: failed ${server.url('/gone.bin')}: server answered 404`,
    )
    expect(result.stdout.trim().split('\n').at(-1)).toBe('1 completed, 1 failed')
  })
})

describe('downpour get: Ctrl-C before any byte arrived', () => {
  it('does not speak of partial data', async () => {
    // Answers nothing: the request is sent, no byte comes back.
    server.handle('/silent.bin', () => {})
    const run = start([server.url('/silent.bin')])
    for (let i = 0; i < 600 && server.requests('/silent.bin').length === 0; i++)
      await new Promise((r) => setTimeout(r, 50))
    run.child.kill('SIGINT')
    const result = await run.done
    expect(result.code).toBe(130)
    expect(result.stderr).toContain('downpour: interrupted; run the same command again to continue')
    expect(result.stderr).not.toContain('partial data')
  })
})
