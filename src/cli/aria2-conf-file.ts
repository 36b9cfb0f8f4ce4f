import { readFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { readAria2Conf } from './aria2-conf.ts'

/**
 * `downpour get`'s argv with aria2's configuration file applied (aria2-conf.ts): its flags go
 * right after `get`, before the command line's, so the command line wins. `--conf-path FILE`
 * names the file (it must exist), `--no-conf` skips it; otherwise `~/.aria2/aria2.conf` is read
 * when it exists, as aria2c does. Both flags are taken out of argv here. Other commands: argv
 * unchanged.
 */
export async function withAria2Conf(
  argv: string[],
): Promise<{ argv: string[]; notes: string[] } | { problem: string }> {
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
  const { args, notes } = readAria2Conf(text, file)
  return { argv: [...head, ...args, ...rest], notes }
}
