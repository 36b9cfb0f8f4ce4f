import { execFileSync } from 'node:child_process'
import { join } from 'node:path'

/** The value of user xattr `name` on `path`, read by getfattr, or null when it has none. */
export function readXattr(path: string, name: string): string | null {
  try {
    return execFileSync('getfattr', ['--only-values', '-n', name, path], {
      stdio: ['ignore', 'pipe', 'ignore'],
    }).toString()
  } catch {
    return null
  }
}

/** Why real xattrs cannot be tested here, or null when they can (probed in `dir`). */
export function xattrSkipReason(dir: string): string | null {
  if (process.platform !== 'linux')
    return `origin xattrs are written on Linux only (${process.platform})`
  const probe = join(dir, 'probe')
  try {
    execFileSync('sh', ['-c', `: > "$1" && setfattr -n user.probe -v 1 "$1"`, 'sh', probe], {
      stdio: 'ignore',
    })
  } catch {
    return `setfattr/getfattr (Debian package attr) missing, or ${dir} has no user xattrs`
  }
  return null
}
