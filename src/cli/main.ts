import { Command, CommanderError, InvalidArgumentError, Option } from 'commander'
import { runGet, type GetOptions } from './get-command.ts'
import type { ServeOptions } from './serve-command.ts'
import { parseSize } from '../shared/units.ts'
import { ENVIRONMENT_HELP, EXIT, EXIT_HELP } from './exit-codes.ts'
import { defaultSettings } from '../engine/engine.ts'
import { formatBytes } from '../shared/format.ts'
import { aria2Habits } from './aria2-habits.ts'
import { escapeTerminalText } from './terminal-text.ts'
import { withAria2Conf } from './aria2-conf-file.ts'

/**
 * `downpour` command line. Flags follow aria2's names where aria2 has one, so muscle memory
 * carries over (aria2's spellings Downpour lacks a name for are rewritten by aria2Habits).
 * Exit codes: src/cli/exit-codes.ts (aria2's numbers).
 */
export function buildProgram(): Command {
  const defaults = defaultSettings()
  const program = new Command('downpour')
    .description('A download manager: resumable, multi-connection, crash-safe.')
    .version('0.1.0')
    .exitOverride()
    .showHelpAfterError('(run "downpour get --help" for the options)')
    .addHelpText('after', `\n${EXIT_HELP}`)
    // Commander's messages quote the arguments given (an unknown option, a bad value): escaped
    // like everything else the CLI prints. Set before `.command()`, which copies it.
    .configureOutput({
      writeErr: (text) => process.stderr.write(escapeLines(text)),
      outputError: (text, write) => write(text),
    })

  program
    .command('get')
    .description('download URLs (from the arguments and/or an input file)')
    .argument('[urls...]', 'http(s) URLs to download')
    .addOption(
      new Option(
        '-i, --input-file <file>',
        "a list of URLs ('-' = stdin; repeatable); indented lines set out=, checksum=, header=, mirror=; TAB-separated URLs are mirrors of one file",
      )
        .argParser(collect)
        .default([]),
    )
    .option('-d, --dir <dir>', 'destination folder', process.cwd())
    .option(
      '--save-session <file>',
      "on exit, write the downloads that did not complete as an input file (aria2's format; a list's lines as read)",
    )
    .option(
      '-o, --out <name>',
      "file name (only with a single URL; a name, not a path; '-' = write to stdout)",
    )
    .option(
      '-c, --continue',
      "continue a partial file at the name (wget's, aria2's with its .aria2 file, or ours)",
    )
    .option('--allow-overwrite', 'replace a file at the name instead of saving beside it')
    .option(
      '--no-auto-file-renaming',
      'a file at the name (not complete, not continued) is an error instead of "name (1)"',
    )
    .option('-j, --max-concurrent-downloads <n>', 'downloads at once', int(1, 100), 5)
    .option(
      '-x, --max-connections-per-download <n>',
      `connections per download (aria2: --max-connection-per-server; default: ${defaults.maxConnectionsPerDownload})`,
      int(1, 32),
    )
    .option(
      '-s, --split <n>',
      "aria2's total connections per download; with one server per download the same cap as -x (the smaller applies)",
      int(1, 32),
    )
    .option(
      '-k, --min-split-size <size>',
      `no segment smaller than this (e.g. 1M; default: ${formatBytes(defaults.minSplitSize)})`,
      size(64 * 1024),
    )
    .option('-m, --max-tries <n>', 'tries per download (0 = unlimited)', int(0, 1_000_000), 5)
    .option('--retry-wait <seconds>', 'base of the exponential backoff', seconds, 1)
    .option('--timeout <seconds>', 'connect and idle timeout', seconds, 30)
    .option(
      '--lowest-speed-limit <speed>',
      'retry a connection slower than this (e.g. 10K)',
      size(0),
    )
    .option('--max-overall-download-limit <speed>', 'overall limit, e.g. 2M (0 = none)', size(0))
    .option('--max-download-limit <speed>', 'per-download limit, e.g. 500K (0 = none)', size(0))
    .option(
      '--checksum <algo=hex>',
      'expected checksum (sha-256, sha-1 or md5; only with a single URL)',
    )
    .addOption(
      new Option('--header <header>', 'extra request header "Name: value" (repeatable)')
        .argParser(collect)
        .default([]),
    )
    .option('--user-agent <ua>', 'User-Agent header')
    .option('--referer <url>', 'Referer header')
    .option('--http-user <user>', 'HTTP Basic user (the password: --http-passwd)')
    .option('--http-passwd <password>', 'HTTP Basic password (never printed or logged)')
    .option('--netrc-path <file>', 'credentials per host (default: ~/.netrc)')
    .option('--no-netrc', 'do not read ~/.netrc')
    .option('--load-cookies <file>', 'cookies from a Netscape cookies.txt file')
    .option('--ca-certificate <file>', "trust this CA's certificate (PEM) besides the system's")
    .option(
      '--no-check-certificate',
      "do not verify servers' certificates (aria2: --check-certificate=false)",
    )
    .option('--all-proxy <url>', 'proxy for all requests (default: HTTP(S)_PROXY / NO_PROXY)')
    .option(
      '--xattr',
      "record each file's origin URL and referrer in extended attributes (as wget and curl)",
    )
    .option(
      '--conf-path <file>',
      "aria2's configuration file to read (default: ~/.aria2/aria2.conf, if there)",
    )
    .option('--no-conf', "read no aria2 configuration file (aria2's --no-conf)")
    .option(
      '--json',
      'newline-delimited JSON events on stdout instead of the progress display (docs/cli-json.md)',
    )
    .option('-q, --quiet', 'print nothing but errors (--quiet=true/false accepted)')
    .addOption(
      new Option('--state-dir <dir>', 'where the resumable queue is kept').env(
        'DOWNPOUR_STATE_DIR',
      ),
    )
    .addHelpText('after', `\n${EXIT_HELP}\n\n${ENVIRONMENT_HELP}`)
    .action(async (urls: string[], options: GetOptions) => {
      process.exitCode = await runGet(urls, options)
    })
  program
    .command('serve')
    .description('run the engine headless and serve the UI to a browser (token-protected)')
    .option(
      '--host <address>',
      'address to listen on (anything but loopback is warned about)',
      '127.0.0.1',
    )
    .option('--port <n>', 'port to listen on (0 = any free one)', int(0, 65535), 6800)
    .option('-d, --dir <dir>', 'default destination folder (default: ~/Downloads)')
    .option(
      '--token <token>',
      'access token (default: DOWNPOUR_TOKEN, else kept in the state folder)',
    )
    .addOption(
      new Option('--state-dir <dir>', 'where the queue and the token are kept').env(
        'DOWNPOUR_STATE_DIR',
      ),
    )
    .addOption(
      new Option('--allow-host <name>', 'another host name to answer to (repeatable)')
        .argParser(collect)
        .default([]),
    )
    .option('--tls-cert <file>', 'serve HTTPS with this certificate (PEM)')
    .option('--tls-key <file>', 'the private key for --tls-cert (PEM)')
    .option(
      '--rpc-port <n>',
      "aria2 JSON-RPC on its own port (default: /jsonrpc on --port, aria2's 6800)",
      int(0, 65535),
    )
    .option(
      '--rpc-secret <secret>',
      'aria2 RPC secret, at least 16 characters (default: the access token)',
    )
    .option('--no-rpc', 'do not answer aria2 JSON-RPC at /jsonrpc')
    .action(async (options: ServeOptions) => {
      // Loaded only for serve: `downpour get` starts without the server and ws modules.
      const { runServe } = await import('./serve-command.ts')
      process.exitCode = await runServe(options)
    })
  return program
}

/** Each line escaped for the terminal, line ends kept. */
function escapeLines(text: string): string {
  return text
    .split('\n')
    .map((line) => escapeTerminalText(line))
    .join('\n')
}

function int(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value)
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`)
    }
    return n
  }
}

function size(min: number) {
  return (value: string): number => {
    const n = parseSize(value)
    if (n === null || n < min)
      throw new InvalidArgumentError(
        `expected a size like 512K or 1M${min ? ` (at least ${min} bytes)` : ''}`,
      )
    return n
  }
}

function seconds(value: string): number {
  const n = Number(value)
  if (!Number.isFinite(n) || n < 0)
    throw new InvalidArgumentError('expected seconds (a number >= 0)')
  return n
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value]
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram()
  const conf = await withAria2Conf(argv, () => {
    // A second program's `get` checks the file's values one by one (no action runs), silent.
    const get = buildProgram().commands.find((c) => c.name() === 'get')!
    return get.exitOverride().configureOutput({ writeErr: () => {}, outputError: () => {} })
  })
  for (const note of conf.notes ?? [])
    process.stderr.write(`downpour: ${escapeTerminalText(note)}\n`)
  if ('problem' in conf) {
    process.stderr.write(`downpour: ${escapeTerminalText(conf.problem)}\n`)
    process.exitCode = EXIT.usage
    return
  }
  const habits = aria2Habits(conf.argv)
  if ('problem' in habits) {
    process.stderr.write(`downpour: ${escapeTerminalText(habits.problem)}\n`)
    process.exitCode = EXIT.usage
    return
  }
  try {
    await program.parseAsync(habits.argv)
  } catch (error) {
    if (error instanceof CommanderError) {
      const ok =
        error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.version' ||
        error.code === 'commander.help'
      process.exitCode = ok ? EXIT.ok : EXIT.usage
      return
    }
    // One line, never a stack trace: a person reads this. DOWNPOUR_DEBUG=1 shows the stack.
    const text = process.env.DOWNPOUR_DEBUG
      ? String((error as Error).stack ?? error)
      : escapeTerminalText((error as Error).message ?? String(error))
    process.stderr.write(`downpour: ${text}\n`)
    process.exitCode = EXIT.failed
  }
}

if (import.meta.main) await main(process.argv)
