import { isAbsolute, relative, resolve, sep } from 'node:path'

/** What `fromAria2InputFile` read besides the rewritten text, keyed by the URL line's number. */
export type Aria2InputReading = {
  /** The text for the shared list parser, line for line the same numbering. */
  text: string
  /** What of a line was not applied though its download is (printed with the line). */
  notes: { line: number; message: string }[]
  /** Every URL of a line with mirrors (TAB-separated), the downloaded one first. */
  mirrors: Map<number, string[]>
  /** A download's own folder from its `dir=` (absolute, inside `-d`). */
  dirs: Map<number, string>
  /** Downloads refused by their options (a `dir=` outside `-d`), with the reason. */
  refused: Map<number, string>
}

/**
 * aria2's input-file habits that Downpour's list parser (src/shared/list, shared with the
 * window) does not read, rewritten line for line before it does — line numbers stay the same —
 * so an aria2 `--save-session` file is downloaded instead of refused:
 * - URLs on one line separated by TABs are mirrors of one file (aria2): the first is the
 *   download's URL, the others its mirrors (`mirrors`, also written back by --save-session);
 * - `gid=` (aria2's handle for the download) is dropped, `referer=URL` becomes
 *   `header=Referer: URL`;
 * - `dir=` is the download's folder, as in aria2 (a relative one is taken from the current
 *   folder, as aria2c does). Nothing is written outside the folder the person chose (`-d`):
 *   a `dir=` inside it is honoured (a subfolder is made), one outside it refuses the download
 *   with the line named — saving it elsewhere than the list says would be a silent surprise;
 * - aria2's other per-download options are dropped with a note each.
 * Lines it does not know stay as they are (the parser refuses an unknown option by its line).
 */
export function fromAria2InputFile(
  text: string,
  dir: string,
  cwd: string = process.cwd(),
): Aria2InputReading {
  const reading: Aria2InputReading = {
    text,
    notes: [],
    mirrors: new Map(),
    dirs: new Map(),
    refused: new Map(),
  }
  // Most lists have none of this: nothing to rewrite, the same string back.
  if (!/\t|^[ \t]+[a-z-]+=/m.test(text)) return reading
  const { notes } = reading
  const lines = text.split(/\r\n|\r|\n/)
  // The URL line the option lines below belong to (0: none yet).
  let entry = 0
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!
    const line = i + 1
    const trimmed = raw.trim()
    if (trimmed === '' || trimmed.startsWith('#')) continue
    if (/^\s/.test(raw)) {
      const eq = trimmed.indexOf('=')
      if (eq <= 0) continue
      const name = trimmed.slice(0, eq).trim().toLowerCase()
      const value = trimmed.slice(eq + 1).trim()
      if (name === 'gid') lines[i] = ''
      else if (name === 'referer' && value !== '*') lines[i] = ` header=Referer: ${value}`
      else if (name === 'dir') {
        lines[i] = ''
        if (entry === 0 || value === '') continue
        const target = resolve(cwd, value)
        if (inside(dir, target)) reading.dirs.set(entry, target)
        else
          reading.refused.set(
            entry,
            `dir=${value} (line ${line}) is outside the download folder ${dir}: nothing is saved outside -d; run with -d ${target} (or a folder that holds it) to save it there`,
          )
      } else if (ARIA2_OPTIONS.has(name) || name.startsWith('bt-') || name === 'referer') {
        lines[i] = ''
        notes.push({
          line,
          message: `${name}= (an aria2 option) is not supported per download; ignored`,
        })
      }
      continue
    }
    entry = line
    if (!raw.includes('\t')) continue
    const urls = trimmed
      .split('\t')
      .map((t) => t.trim())
      .filter((t) => t !== '')
    if (urls.length < 2) continue
    lines[i] = urls[0]!
    reading.mirrors.set(line, urls)
  }
  reading.text = lines.join('\n')
  return reading
}

/** `target` is `dir` or below it (lexically: both are absolute and resolved). */
function inside(dir: string, target: string): boolean {
  const rel = relative(dir, target)
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel))
}

/** aria2's per-download options a session or input file may hold that a list entry has not. */
const ARIA2_OPTIONS: ReadonlySet<string> = new Set([
  'all-proxy',
  'allow-overwrite',
  'always-resume',
  'auto-file-renaming',
  'ca-certificate',
  'check-certificate',
  'check-integrity',
  'conditional-get',
  'connect-timeout',
  'continue',
  'dry-run',
  'file-allocation',
  'follow-metalink',
  'follow-torrent',
  'force-save',
  'ftp-passwd',
  'ftp-user',
  'hash-check-only',
  'http-passwd',
  'http-proxy',
  'http-user',
  'https-proxy',
  'index-out',
  'load-cookies',
  'lowest-speed-limit',
  'max-connection-per-server',
  'max-download-limit',
  'max-file-not-found',
  'max-resume-failure-tries',
  'max-tries',
  'min-split-size',
  'netrc-path',
  'no-netrc',
  'no-proxy',
  'parameterized-uri',
  'pause',
  'pause-metadata',
  'piece-length',
  'proxy-method',
  'realtime-chunk-checksum',
  'remote-time',
  'retry-wait',
  'seed-ratio',
  'seed-time',
  'select-file',
  'split',
  'stream-piece-selector',
  'timeout',
  'uri-selector',
  'user-agent',
])
