/**
 * Extensions the Windows shell acts on by itself, as Chromium lists them
 * (`IsShellIntegratedExtension` in net/base/filename_util_internal.cc and in the File System
 * Access code): a `.lnk` or `.scf` can run code, or leak credentials, just by being shown in
 * Explorer (CVE-2010-2568, crbug.com/1227995); a `.url` can point at any file
 * (crbug.com/1307930); a `.local` changes which DLLs the program of the same name loads; an
 * extension that is a CLSID (`x.{20D04FE0-…}`) hides the file's real type (CVE-2004-0420).
 *
 * Chromium's downloads rename such an extension to `.download` (`net::GenerateSafeFileName`);
 * its File System Access code does so on every OS, because files move between machines (a
 * shared folder, a USB stick). Downpour does the same on every OS.
 */
export const SAFE_EXTENSION = 'download'

const INTEGRATED = new Set(['lnk', 'local', 'scf', 'url'])

/** True for `lnk`, `local`, `scf`, `url` (any case) and `{…}` (a CLSID). No leading dot. */
export function isShellIntegratedExtension(extension: string): boolean {
  const lower = extension.toLowerCase()
  if (INTEGRATED.has(lower)) return true
  return lower.length >= 2 && lower.startsWith('{') && lower.endsWith('}')
}

/** The text after the last dot of a name, or '' (a leading dot does not start an extension). */
export function lastExtension(name: string): string {
  const dot = name.lastIndexOf('.')
  return dot > 0 ? name.slice(dot + 1) : ''
}

/**
 * The shell-integrated extension `name` ends with, or null. Windows ignores trailing dots and
 * spaces (`x.lnk. .` opens as `x.lnk`), so they are ignored here too.
 */
export function shellIntegratedExtensionOf(name: string): string | null {
  const extension = lastExtension(name.replace(/[\s.]+$/, ''))
  return extension !== '' && isShellIntegratedExtension(extension) ? extension : null
}

/** `invoice.pdf.lnk` → `invoice.pdf.download`; names without such an extension unchanged. */
export function withSafeExtension(name: string): string {
  const trimmed = name.replace(/[\s.]+$/, '')
  const extension = shellIntegratedExtensionOf(trimmed)
  if (extension === null) return name
  return `${trimmed.slice(0, trimmed.length - extension.length)}${SAFE_EXTENSION}`
}
