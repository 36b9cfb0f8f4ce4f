/**
 * aria2's configuration file (`~/.aria2/aria2.conf`, or `--conf-path=FILE`): `name=value` lines,
 * `#` comments. aria2c reads it on every start; an aria2 user's settings there are not
 * ignored without a word. The options Downpour has become command-line flags placed before
 * the command line's own, so the command line wins (as in aria2c); every other line is reported
 * with its number.
 */

/** aria2's option → Downpour's flag (booleans are passed as `--name=true|false`: aria2Habits). */
const VALUED: Readonly<Record<string, string>> = {
  dir: '--dir',
  'max-concurrent-downloads': '--max-concurrent-downloads',
  'max-connection-per-server': '--max-connections-per-download',
  split: '--split',
  'min-split-size': '--min-split-size',
  'max-tries': '--max-tries',
  'retry-wait': '--retry-wait',
  timeout: '--timeout',
  'lowest-speed-limit': '--lowest-speed-limit',
  'max-overall-download-limit': '--max-overall-download-limit',
  'max-download-limit': '--max-download-limit',
  header: '--header',
  'user-agent': '--user-agent',
  referer: '--referer',
  'http-user': '--http-user',
  'http-passwd': '--http-passwd',
  'netrc-path': '--netrc-path',
  'load-cookies': '--load-cookies',
  'ca-certificate': '--ca-certificate',
  'all-proxy': '--all-proxy',
  'input-file': '--input-file',
  'save-session': '--save-session',
}

/** aria2's booleans Downpour has (aria2Habits turns `--name=true|false` into its flags). */
const BOOLEAN = new Set([
  'continue',
  'allow-overwrite',
  'auto-file-renaming',
  'check-certificate',
  'quiet',
])

export type ConfReading = {
  /** Flags for `downpour get`, in the file's order. */
  args: string[]
  /** The line each of `args` came from, at the same index: `aria2.conf:7: name=value`. */
  sources: string[]
  /** One message per line not applied, with its number (`aria2.conf:7: …`). */
  notes: string[]
}

/** Reads the text of an aria2.conf; never throws. `label` names the file in the notes. */
export function readAria2Conf(text: string, label: string): ConfReading {
  const args: string[] = []
  const from: string[] = []
  const notes: string[] = []
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/)
  lines.forEach((raw, index) => {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) return
    const at = `${label}:${index + 1}`
    const eq = line.indexOf('=')
    if (eq <= 0) {
      notes.push(`${at}: expected NAME=VALUE, got "${line}"; ignored`)
      return
    }
    const name = line.slice(0, eq).trim()
    const value = line.slice(eq + 1).trim()
    if (BOOLEAN.has(name)) {
      if (value !== 'true' && value !== 'false') {
        notes.push(`${at}: ${name} takes true or false, got "${value}"; ignored`)
        return
      }
      args.push(`--${name}=${value}`)
      from.push(`${at}: ${name}=${value}`)
      return
    }
    const flag = VALUED[name]
    if (!flag) {
      notes.push(`${at}: ${name} is not an option downpour get has; ignored`)
      return
    }
    // One argument (`--flag=value`): a value starting with "-" stays a value.
    args.push(`${flag}=${value}`)
    from.push(`${at}: ${name}=${value}`)
  })
  return { args, sources: from, notes }
}
