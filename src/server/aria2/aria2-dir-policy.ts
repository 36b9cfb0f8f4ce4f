import { realpath } from 'node:fs/promises'
import { homedir } from 'node:os'
import { dirname, basename, join, posix, resolve, win32 } from 'node:path'

/**
 * Where an aria2 RPC client may have files written. Anyone with the secret (an extension, a
 * page that learnt it) can name any folder, and missing folders are created: a file dropped in
 * `~/.config/autostart`, `~/.ssh` or `/etc/cron.d` runs or grants access later. Downpour's own
 * add dialog is not held to this; the RPC is, with an error naming the rule:
 *
 * - no folder hidden in the home folder: a path component starting with `.` below home
 *   (`~/.config/autostart`, `~/.ssh`, `~/.local/bin`); on Windows also `~\AppData` (the Startup
 *   folder is there), on macOS `~/Library` (LaunchAgents, Application Support) except its cloud
 *   folders (`Mobile Documents`, `CloudStorage`), where people keep documents;
 * - no system folder: /etc, /usr, /bin, /sbin, /lib*, /boot, /proc, /sys, /dev, /run, /var
 *   (but /var/tmp, like /tmp, is for anyone's files); on macOS also /System, /Library, /private
 *   (but its tmp folders and /var/folders); on Windows `Windows`, `Program Files`,
 *   `Program Files (x86)` and `ProgramData` on any drive.
 *
 * Inside the home folder only the first rule applies (a home under /var/lib is still a home),
 * and inside a folder the user chose (the default download folder) only hidden folders below
 * it are refused. Relative paths are refused: what they mean depends on the engine's cwd.
 */
export type DirPolicy = {
  platform: NodeJS.Platform
  home: string
  /** Folders the user chose in Downpour itself (the default download folder). */
  chosen: readonly string[]
}

const POSIX_SYSTEM = [
  '/etc',
  '/usr',
  '/bin',
  '/sbin',
  '/boot',
  '/proc',
  '/sys',
  '/dev',
  '/run',
  '/var',
]
const POSIX_OPEN = ['/var/tmp']
const MAC_SYSTEM = [...POSIX_SYSTEM, '/System', '/Library', '/private', '/cores']
const MAC_OPEN = [
  '/var/tmp',
  '/var/folders',
  '/private/tmp',
  '/private/var/tmp',
  '/private/var/folders',
]
const WINDOWS_SYSTEM = ['Windows', 'Program Files', 'Program Files (x86)', 'ProgramData']
const MAC_LIBRARY_OPEN = new Set(['mobile documents', 'cloudstorage'])

/** Why an RPC client may not write into `dir`, or null when it may. Pure: no file system. */
export function rpcDirRefusal(dir: string, policy: DirPolicy): string | null {
  const path = policy.platform === 'win32' ? win32 : posix
  const folded = policy.platform === 'win32' || policy.platform === 'darwin'
  const fold = (p: string) => (folded ? p.toLowerCase() : p)
  /** The components of `child` below `parent`, or null when it is not inside. */
  const below = (child: string, parent: string): string[] | null => {
    const rel = path.relative(fold(path.normalize(parent)), fold(child))
    if (rel === '') return []
    if (rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) return null
    // The components as written (the comparison may have folded their case).
    const count = rel.split(path.sep).length
    return child.split(path.sep).filter(Boolean).slice(-count)
  }
  const refuse = (rule: string) =>
    `dir ${JSON.stringify(dir)} is refused: aria2 RPC clients may not write into ${rule}; ` +
    'choose that folder in Downpour itself'

  if (!path.isAbsolute(dir) || (policy.platform === 'win32' && /^[\\/](?![\\/])/.test(dir)))
    return `dir ${JSON.stringify(dir)} is refused: aria2 RPC clients must give an absolute path`
  const target = path.normalize(dir)
  // A file system root chosen as the download folder would exempt every system folder.
  const choices = policy.chosen.filter(
    (c) => path.parse(path.normalize(c)).root !== path.normalize(c),
  )

  const inHome = below(target, policy.home)
  const chosen = choices
    .map((c) => below(target, c))
    .filter((parts): parts is string[] => parts !== null)
    .sort((a, b) => a.length - b.length)[0]
  if (inHome !== null) {
    const parts = chosen ?? inHome
    const hidden = parts.find((part) => part.startsWith('.'))
    if (hidden !== undefined)
      return refuse(`folders hidden in the home folder (${JSON.stringify(hidden)} here)`)
    if (chosen === undefined && policy.platform === 'win32' && fold(parts[0] ?? '') === 'appdata')
      return refuse('the AppData folder (programs and startup items live there)')
    if (
      chosen === undefined &&
      policy.platform === 'darwin' &&
      fold(parts[0] ?? '') === 'library' &&
      !MAC_LIBRARY_OPEN.has(fold(parts[1] ?? ''))
    )
      return refuse('~/Library (launch agents and application support live there)')
    return null
  }
  if (chosen !== undefined) {
    const hidden = chosen.find((part) => part.startsWith('.'))
    return hidden === undefined ? null : refuse(`hidden folders (${JSON.stringify(hidden)} here)`)
  }

  if (policy.platform === 'win32') {
    const root = path.parse(target).root
    for (const name of WINDOWS_SYSTEM)
      if (below(target, path.join(root, name)) !== null)
        return refuse(`system folders (${JSON.stringify(path.join(root, name))} here)`)
    return null
  }
  const [system, open] =
    policy.platform === 'darwin' ? [MAC_SYSTEM, MAC_OPEN] : [POSIX_SYSTEM, POSIX_OPEN]
  if (open.some((o) => below(target, o) !== null)) return null
  const top = target.split('/')[1] ?? ''
  const hit = system.find((s) => below(target, s) !== null) ?? (/^lib/.test(top) ? `/${top}` : null)
  return hit === null ? null : refuse(`system folders (${JSON.stringify(hit)} here)`)
}

/**
 * `rpcDirRefusal` for this machine, applied to `dir` as written and to where it really leads:
 * a symbolic link inside the download folder to `~/.ssh` is refused as `~/.ssh` is. The real
 * path is the deepest existing ancestor's, resolved, with the rest (still to be created) after.
 */
export async function rpcDirRefusalHere(
  dir: string,
  chosen: readonly string[],
): Promise<string | null> {
  const platform = process.platform
  const home = homedir()
  if (!(platform === 'win32' ? win32 : posix).isAbsolute(dir))
    return rpcDirRefusal(dir, { platform, home, chosen })
  const target = resolve(dir)
  const written = rpcDirRefusal(target, { platform, home, chosen })
  if (written) return written
  const real = await Promise.all([target, home, ...chosen].map(realExisting))
  const lead = rpcDirRefusal(real[0]!, { platform, home: real[1]!, chosen: real.slice(2) })
  return lead === null
    ? null
    : `${lead} (${JSON.stringify(dir)} leads to ${JSON.stringify(real[0])})`
}

async function realExisting(path: string): Promise<string> {
  const rest: string[] = []
  let at = resolve(path)
  for (;;) {
    try {
      return join(await realpath(at), ...rest.reverse())
    } catch {
      const up = dirname(at)
      if (up === at) return resolve(path)
      rest.push(basename(at))
      at = up
    }
  }
}
