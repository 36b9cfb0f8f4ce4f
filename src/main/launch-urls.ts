import { parseDownloadUrl } from '../shared/protocol/url.ts'

/**
 * The download URLs on a command line (a second launch's `argv`, e.g. from a browser's "open
 * with" or a shell script): every argument that is an http(s) URL, deduplicated, in order.
 * Flags, the executable, the app path and anything else are ignored; nothing here is trusted
 * further than being shown in the add dialog for a person to confirm.
 */
export function extractLaunchUrls(argv: readonly string[]): string[] {
  const urls: string[] = []
  for (const arg of argv) {
    if (arg.startsWith('-') || !/^https?:\/\//i.test(arg.trim())) continue
    try {
      const href = parseDownloadUrl(arg).href
      if (!urls.includes(href)) urls.push(href)
    } catch {
      // Not a usable URL: a person did not mean it as one.
    }
    if (urls.length >= 1000) break
  }
  return urls
}
