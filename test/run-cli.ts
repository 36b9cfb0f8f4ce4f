import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { useEngineHarness, type EngineHarness } from './engine-harness.ts'

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

export type CliOptions = {
  downloads: string
  state: string
  env?: Record<string, string>
  input?: string
  /** A program that runs the CLI (e.g. `strace …` in test/crash-at.ts): its argv before node's. */
  wrapper?: string[]
  /** The child's working directory (default: this process's). */
  cwd?: string
  /**
   * The child's HOME (default: `home` beside `state`, made if missing). Never the real one: a
   * user's ~/.aria2/aria2.conf or ~/.netrc would change what the CLI does under test.
   */
  home?: string
}

/** The scratch HOME `startCli` gives a run with `state` (see `CliOptions.home`). */
export function scratchHome(state: string): string {
  return join(dirname(state), 'home')
}

/** The variables that point a program at the user's own files, all moved under `home`. */
function homeEnv(home: string): Record<string, string> {
  return {
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_STATE_HOME: join(home, '.local', 'state'),
    XDG_DATA_HOME: join(home, '.local', 'share'),
    XDG_CACHE_HOME: join(home, '.cache'),
  }
}

/** The setup of the CLI test files (see `useCli`). */
export type CliHarness = Pick<EngineHarness, 'server' | 'dirs' | 'onTeardown'> & {
  /** This test's scratch HOME (what the CLI's ~ is; XDG_* point below it). */
  home(): string
  /** `startCli` on this test's folders. */
  start(
    args: string[],
    options?: Omit<CliOptions, 'downloads' | 'state'>,
  ): { child: ChildProcess; done: Promise<CliRun> }
}

/**
 * Registers, for the file it is called in, what every CLI test repeats: the engine harness's
 * fault server and fresh folders per test (no engine: the CLI in its child process is the
 * engine), torn down in the harness's order, and `start` running the CLI on those folders.
 */
export function useCli(): CliHarness {
  const { server, dirs, onTeardown } = useEngineHarness({ engine: false })
  return {
    server,
    dirs,
    onTeardown,
    home: () => scratchHome(dirs.state),
    start: (args, options = {}) =>
      startCli(args, { ...options, downloads: dirs.downloads, state: dirs.state }),
  }
}

/**
 * Starts `downpour get -d <downloads> --retry-wait 0.05 ARGS` in a child process with its queue
 * in `state` and a scratch HOME, stdout and stderr captured. `env` adds variables (and may name
 * another HOME); `input` goes to stdin.
 */
export function startCli(
  args: string[],
  options: CliOptions,
): { child: ChildProcess; done: Promise<CliRun> } {
  const env: NodeJS.ProcessEnv = { ...process.env }
  for (const name of AMBIENT) delete env[name]
  const home = options.home ?? scratchHome(options.state)
  mkdirSync(home, { recursive: true })
  const argv = [CLI, 'get', '-d', options.downloads, '--retry-wait', '0.05', ...args]
  const [program, ...before] = options.wrapper ?? []
  const child = spawn(
    program ?? process.execPath,
    program === undefined ? argv : [...before, process.execPath, ...argv],
    {
      env: {
        ...env,
        ...homeEnv(home),
        DOWNPOUR_STATE_DIR: options.state,
        NO_COLOR: '1',
        ...options.env,
      },
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
