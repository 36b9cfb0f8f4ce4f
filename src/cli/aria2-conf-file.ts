import { CommanderError, type Command } from 'commander'
import { readFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { readAria2Conf } from './aria2-conf.ts'
import { aria2Habits } from './aria2-habits.ts'

/**
 * `downpour get`'s argv with aria2's configuration file applied (aria2-conf.ts): its flags go
 * right after `get`, before the command line's, so the command line wins. `--conf-path FILE`
 * names the file (it must exist), `--no-conf` skips it; otherwise `~/.aria2/aria2.conf` is read
 * when it exists, as aria2c does. Both flags are taken out of argv here. Other commands: argv
 * unchanged. `get` makes a silent `downpour get` command to check the file's values with.
 */
export async function withAria2Conf(
  argv: string[],
  get: () => Command,
): Promise<{ argv: string[]; notes: string[] } | { problem: string; notes?: string[] }> {
  if (argv[2] !== 'get') return { argv, notes: [] }
  const rest: string[] = []
  let path: string | null = null
  let skip = false
  for (let i = 3; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === '--') {
      rest.push(...argv.slice(i))
      break
    }
    if (arg === '--no-conf' || arg === '--no-conf=true') skip = true
    else if (arg.startsWith('--conf-path=')) path = arg.slice('--conf-path='.length)
    else if (arg === '--conf-path') {
      if (i + 1 >= argv.length) return { problem: '--conf-path needs a file' }
      path = argv[++i]!
    } else rest.push(arg)
  }
  const head = argv.slice(0, 3)
  if (skip) return { argv: [...head, ...rest], notes: [] }
  const given = path !== null
  const file = path ?? join(homedir(), '.aria2', 'aria2.conf')
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    // The default file is read only if it is there; one named with --conf-path must be.
    if (!given && code === 'ENOENT') return { argv: [...head, ...rest], notes: [] }
    return { problem: `cannot read the configuration file ${file}: ${(error as Error).message}` }
  }
  const { args, sources, notes } = readAria2Conf(text, file)
  const problem = firstBadValue(args, sources, get)
  if (problem) return { problem, notes }
  return { argv: [...head, ...args, ...rest], notes }
}

/**
 * The first line of the file whose value `downpour get` refuses, named by its line
 * (`aria2.conf:3: split=oops: expected a whole number from 1 to 32`), or null. aria2c stops on
 * a bad value in its file too (exit 28); without this, the refusal named only the flag, and the
 * person looked for it on a command line that did not have it. Each flag is parsed alone by
 * `get`'s own option parsers (its action never runs).
 */
function firstBadValue(args: string[], sources: string[], checker: () => Command): string | null {
  if (args.length === 0) return null
  const get = checker()
  for (const [i, arg] of args.entries()) {
    const line = sources[i]!
    const habits = aria2Habits(['node', 'downpour', 'get', arg])
    if ('problem' in habits) return `${line}: ${habits.problem}`
    try {
      get.parseOptions(habits.argv.slice(3))
    } catch (error) {
      if (!(error instanceof CommanderError)) throw error
      // "error: option '-s, --split <n>' argument 'oops' is invalid. expected …": the reason.
      const reason = error.message.replace(/^error: /, '').replace(/^.*is invalid\. /, '')
      return `${line}: ${reason}`
    }
  }
  return null
}
