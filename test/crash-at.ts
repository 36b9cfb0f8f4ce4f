import { execFileSync } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startCli, type CliRun } from './run-cli.ts'

/**
 * Where to kill the CLI: on entering the `when`-th (1 by default) call of `syscall` whose first
 * path argument is `path` (strace's -P matches only that one: the source of a rename or a link),
 * or the `when`-th call of it at all when no path is given. SIGKILL on entry: the call never
 * happens, exactly as a kill -9 or a power cut just before it.
 */
export type CrashPoint = {
  syscall: 'link' | 'unlink' | 'rename' | 'open' | 'write' | 'ftruncate' | 'fdatasync' | 'fsync'
  path?: string
  when?: number
}

export type CrashRun = CliRun & {
  /**
   * strace's line of the call the process died in (`rename("a", "b") = ?`, descriptors shown
   * with their paths: `write(21</d/f>, …) = ?`), or null.
   */
  killedAt: string | null
}

/**
 * The names each call has on the architectures Node runs on: arm64 has only the `*at` forms,
 * x86-64's glibc uses the old ones. Unknown names are ignored (strace's `?` prefix).
 */
const FAMILIES: Record<CrashPoint['syscall'], string[]> = {
  link: ['link', 'linkat'],
  unlink: ['unlink', 'unlinkat'],
  rename: ['rename', 'renameat', 'renameat2'],
  open: ['open', 'openat'],
  write: ['write', 'pwrite64', 'writev', 'pwritev', 'pwritev2'],
  ftruncate: ['ftruncate'],
  fdatasync: ['fdatasync'],
  fsync: ['fsync'],
}

const STRACE = '/usr/bin/strace'

let checked: string | null | undefined

/**
 * Why crash-at tests cannot run here (no strace, not allowed to trace), or null. Tests skip
 * with this reason printed, never silently. `.ci/run` installs strace.
 */
export function crashAtProblem(): string | null {
  if (checked !== undefined) return checked
  try {
    execFileSync(STRACE, ['-qq', '-o', '/dev/null', '-e', 'trace=none', 'true'], { stdio: 'pipe' })
    checked = null
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not installed' : 'fails'
    checked = `strace ${reason} at ${STRACE} (apt-get install strace): cannot kill the CLI at a system call`
  }
  return checked
}

/**
 * The call the process died in: it never returned, so strace shows its result as `?`. A call
 * that another thread's output interrupted is two lines (`unlink("a" <unfinished ...>`, then
 * `<... unlink resumed>) = ?`): joined again.
 */
function killedCall(lines: string[]): string | null {
  const at = lines.findIndex((line) => / = \?$/.test(line))
  if (at < 0) return null
  const [, pid, rest] = /^(\d+)\s+(.*)$/.exec(lines[at]!) ?? [null, '', lines[at]!]
  if (!rest!.startsWith('<...')) return rest!
  for (let i = at - 1; i >= 0; i--) {
    const start = /^(\d+)\s+(.*) <unfinished \.\.\.>$/.exec(lines[i]!)
    if (start && start[1] === pid) return `${start[2]}) = ?`
  }
  return rest!
}

/**
 * Runs `downpour get ARGS` (as test/run-cli.ts does) under strace, killed with SIGKILL at
 * `point`. Resolves when the run ends, whether or not the point was reached (`killedAt` says).
 */
export async function runCliCrashingAt(
  point: CrashPoint,
  args: string[],
  options: { downloads: string; state: string; env?: Record<string, string> },
): Promise<CrashRun> {
  const problem = crashAtProblem()
  if (problem) throw new Error(problem)
  const logDir = await mkdtemp(join(tmpdir(), 'downpour-crash-at-'))
  const log = join(logDir, 'strace.log')
  const calls = FAMILIES[point.syscall].map((name) => `?${name}`).join(',')
  const when = point.when && point.when > 1 ? `:when=${point.when}` : ''
  const wrapper = [
    STRACE,
    '-f',
    '-qq',
    // Descriptors as their paths: `killedAt` names the file a write or fsync was for.
    '-y',
    '-o',
    log,
    '-e',
    `trace=${calls}`,
    '-e',
    `inject=${calls}:signal=KILL${when}`,
    ...(point.path ? ['-P', point.path] : []),
  ]
  try {
    // strace counts calls per thread: one libuv pool thread makes `when` count them all.
    const env = { UV_THREADPOOL_SIZE: '1', ...options.env }
    const run = await startCli(args, { ...options, env, wrapper }).done
    const lines = (await readFile(log, 'utf8').catch(() => '')).split('\n')
    return { ...run, killedAt: killedCall(lines) }
  } finally {
    await rm(logDir, { recursive: true, force: true })
  }
}

/**
 * Which call of `syscall` (its `when`) on the thread that makes it is the first one whose
 * strace line (descriptors shown as their paths, `-y`) matches `call`: found by running
 * `downpour get ARGS` to its end under strace, traced only. For a call whose path is not known
 * in advance (a temp with a random name): a run on fresh folders makes the same calls in the
 * same order, so the crash run given this `when` dies there (its `killedAt` says whether it did).
 */
export async function findCall(
  syscall: CrashPoint['syscall'],
  call: RegExp,
  args: string[],
  options: { downloads: string; state: string; env?: Record<string, string> },
): Promise<number | null> {
  const problem = crashAtProblem()
  if (problem) throw new Error(problem)
  const logDir = await mkdtemp(join(tmpdir(), 'downpour-find-call-'))
  const log = join(logDir, 'strace.log')
  const calls = FAMILIES[syscall].map((name) => `?${name}`).join(',')
  const wrapper = [STRACE, '-f', '-qq', '-y', '-o', log, '-e', `trace=${calls}`]
  try {
    const env = { UV_THREADPOOL_SIZE: '1', ...options.env }
    await startCli(args, { ...options, env, wrapper }).done
    const counts = new Map<string, number>()
    for (const line of (await readFile(log, 'utf8')).split('\n')) {
      const [, tid, rest] = /^(\d+)\s+(.*)$/.exec(line) ?? []
      // A call another thread's output cut in two is counted at its start.
      if (tid === undefined || rest!.startsWith('<...')) continue
      const count = (counts.get(tid) ?? 0) + 1
      counts.set(tid, count)
      if (call.test(rest!)) return count
    }
    return null
  } finally {
    await rm(logDir, { recursive: true, force: true })
  }
}
