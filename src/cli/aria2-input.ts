import { resolve } from 'node:path'

/**
 * aria2's input-file habits that Downpour's list parser (src/shared/list, shared with the
 * window) does not read, rewritten line for line before it does — line numbers stay the same —
 * so an aria2 `--save-session` file is downloaded instead of refused (issue 23):
 * - URLs on one line separated by TABs are mirrors of one file (aria2): Downpour has no mirrors,
 *   so the first is downloaded and the line says so;
 * - `gid=` (aria2's handle for the download) is dropped, `referer=URL` becomes
 *   `header=Referer: URL`, `dir=` naming the run's own folder is dropped;
 * - `dir=` naming another folder, and aria2's other per-download options, are dropped with a
 *   note each (a list cannot send a file out of `-d`: nothing is written outside the folder the
 *   person chose).
 * Lines it does not know stay as they are (the parser refuses an unknown option by its line).
 */
export function fromAria2InputFile(
  text: string,
  dir: string,
): { text: string; notes: { line: number; message: string }[] } {
  // Most lists have none of this: nothing to rewrite, the same string back.
  if (!/\t|^[ \t]+[a-z-]+=/m.test(text)) return { text, notes: [] }
  const notes: { line: number; message: string }[] = []
  const lines = text.split(/\r\n|\r|\n/)
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
        if (resolve(dir, value) !== dir)
          notes.push({
            line,
            message: `dir=${value} ignored: a list cannot choose another folder; saving into ${dir} (-d)`,
          })
      } else if (ARIA2_OPTIONS.has(name) || name.startsWith('bt-') || name === 'referer') {
        lines[i] = ''
        notes.push({
          line,
          message: `${name}= (an aria2 option) is not supported per download; ignored`,
        })
      }
      continue
    }
    if (!raw.includes('\t')) continue
    const urls = trimmed
      .split('\t')
      .map((t) => t.trim())
      .filter((t) => t !== '')
    if (urls.length < 2) continue
    lines[i] = urls[0]!
    notes.push({
      line,
      message: `mirrors are not supported: downloading from the first URL only (${urls.length - 1} other${urls.length > 2 ? 's' : ''} on this line ignored)`,
    })
  }
  return { text: lines.join('\n'), notes }
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
