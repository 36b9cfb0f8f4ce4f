import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'

/** `downpour` as package.json's `bin` runs it (from its sources; the shebang's flags aside). */
const CLI = join(import.meta.dirname, '..', 'bin', 'downpour.mjs')

export type CliRun = {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/**
 * Variables of the outer environment that change how TLS or proxies behave (a CI runner's
 * proxy, say): dropped for the child, so a test passes or fails for the reason it names.
 */
const AMBIENT = [
  'NODE_EXTRA_CA_CERTS',
  'NODE_TLS_REJECT_UNAUTHORIZED',
  'NODE_OPTIONS',
  'http_proxy',
  'HTTP_PROXY',
  'https_proxy',
  'HTTPS_PROXY',
  'no_proxy',
  'NO_PROXY',
  'all_proxy',
  'ALL_PROXY',
]

/**
 * Starts `downpour get -d <downloads> --retry-wait 0.05 ARGS` in a child process with its queue
 * in `state`, stdout and stderr captured. `env` adds variables; `input` goes to stdin.
 */
export function startCli(
  args: string[],
  options: {
    downloads: string
    state: string
    env?: Record<string, string>
    input?: string
    /** A program that runs the CLI (e.g. `strace …` in test/crash-at.ts): its argv before node's. */
    wrapper?: string[]
    /** The child's working directory (default: this process's). */
    cwd?: string
  },
): { child: ChildProcess; done: Promise<CliRun> } {
  const env: NodeJS.ProcessEnv = { ...process.env }
  for (const name of AMBIENT) delete env[name]
  const argv = [CLI, 'get', '-d', options.downloads, '--retry-wait', '0.05', ...args]
  const [program, ...before] = options.wrapper ?? []
  const child = spawn(
    program ?? process.execPath,
    program === undefined ? argv : [...before, process.execPath, ...argv],
    {
      env: { ...env, DOWNPOUR_STATE_DIR: options.state, NO_COLOR: '1', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(options.cwd ? { cwd: options.cwd } : {}),
    },
  )
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (d) => (stdout += d))
  child.stderr!.on('data', (d) => (stderr += d))
  child.stdin!.end(options.input ?? '')
  const done = new Promise<CliRun>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  )
  return { child, done }
}
